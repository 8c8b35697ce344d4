import pytest
import torch
from torch import nn

from mmseg.models.backbones import MixVisionTransformer
from segmif_mm.models.utils import mit_stage_features


def tiny_mit() -> MixVisionTransformer:
    mit = MixVisionTransformer(
        embed_dims=8,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 2, 4, 8],
        sr_ratios=[8, 4, 2, 1])
    mit.init_weights()
    return mit.eval()


@pytest.mark.parametrize('size', [(32, 32), (37, 29)])
def test_matches_full_forward(size):
    mit = tiny_mit()
    img = torch.rand(2, 3, *size)
    with torch.no_grad():
        full = mit(img)
        first_two = mit_stage_features(mit, img, 2)
    assert len(first_two) == 2
    for ours, ref in zip(first_two, full):
        assert ours.shape == ref.shape
        assert torch.equal(ours, ref)


def test_later_stages_do_not_run():
    mit = tiny_mit()
    calls = []
    for i, layer in enumerate(mit.layers):
        layer[0].register_forward_hook(lambda *_, i=i: calls.append(i))
    mit_stage_features(mit, torch.rand(1, 3, 32, 32), 2)
    assert calls == [0, 1]


def test_rejects_bad_arguments():
    mit = tiny_mit()
    with pytest.raises(ValueError, match='num_stages'):
        mit_stage_features(mit, torch.rand(1, 3, 32, 32), 5)
    with pytest.raises(TypeError, match='MixVisionTransformer'):
        mit_stage_features(nn.Conv2d(3, 8, 3), torch.rand(1, 3, 32, 32), 1)
