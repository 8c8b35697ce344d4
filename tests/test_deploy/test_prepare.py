import pytest
import torch
from torch import nn

from segmif_mm.deploy import StripedDRDB
from segmif_mm.deploy import prepare as prepare_module
from segmif_mm.deploy import prepare_for_inference
from segmif_mm.models.fusion_heads import DRDB


def model() -> nn.Module:
    return nn.Sequential(DRDB(4, growth=2, dilations=(1, ))).train()


def test_cpu_models_are_converted():
    converted = prepare_for_inference(model())
    assert isinstance(converted[0], StripedDRDB) and not converted.training


def test_plain_models_only_get_the_precision(monkeypatch):
    scopes = []

    class Recording(prepare_module.InferenceScope):

        def attach(self, module):
            scopes.append((self.precision, self.device_type))
            super().attach(module)

    monkeypatch.setattr(prepare_module, 'InferenceScope', Recording)
    plain = prepare_for_inference(model(), cpu_conversion=False)
    assert isinstance(plain[0], DRDB) and not plain.training
    assert scopes == [('fp32', 'cpu')]
    with torch.no_grad():
        assert plain(torch.rand(1, 4, 5, 5)).shape == (1, 4, 5, 5)
    with pytest.raises(ValueError, match='part of the CPU conversion'):
        prepare_for_inference(
            model(), cpu_conversion=False, malloc_tuning=True)
