from contextlib import nullcontext

import pytest
import torch
from torch import nn

from segmif_mm.deploy import InferenceScope
from segmif_mm.deploy import inference_scope as scope_module


class Failing(nn.Module):

    def forward(self, x):
        raise ZeroDivisionError('inside the pass')


def entered_memory_scopes(monkeypatch) -> list:
    calls = []

    def recording():
        calls.append(True)
        return nullcontext()

    monkeypatch.setattr(scope_module, 'reuse_freed_memory', recording)
    return calls


@pytest.mark.skipif(
    not torch.ops.mkldnn._is_mkldnn_bf16_supported(),
    reason='bf16 autocast needs oneDNN bf16 kernels')
def test_passes_run_under_the_precision_and_scopes_close():
    layer = nn.Linear(3, 3)
    InferenceScope('bf16').attach(layer)
    assert layer(torch.rand(2, 3)).dtype == torch.bfloat16
    assert not torch.is_autocast_enabled('cpu')
    failing = Failing()
    InferenceScope('bf16').attach(failing)
    with pytest.raises(ZeroDivisionError):
        failing(torch.rand(1))
    assert not torch.is_autocast_enabled('cpu')


def test_fp32_changes_nothing_and_memory_reuse_is_entered(monkeypatch):
    calls = entered_memory_scopes(monkeypatch)
    layer = nn.Linear(3, 3)
    InferenceScope('fp32').attach(layer)
    assert layer(torch.rand(2, 3)).dtype == torch.float32
    assert calls == []
    InferenceScope('fp32', reuse_memory=True).attach(layer)
    layer(torch.rand(2, 3))
    assert calls == [True]


def test_unknown_precision():
    with pytest.raises(ValueError, match='precision must be one of'):
        InferenceScope('fp16')
