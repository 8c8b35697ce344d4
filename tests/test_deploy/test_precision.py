import pytest
import torch

from segmif_mm.deploy import PRECISIONS, check_precision, cpu_bf16_support
from segmif_mm.deploy import precision as precision_module


def test_precisions_are_fp32_and_bf16_only():
    assert PRECISIONS == ('fp32', 'bf16')
    check_precision('fp32')
    check_precision('bf16', 'cuda')
    with pytest.raises(ValueError, match='precision must be one of'):
        check_precision('auto')
    with pytest.raises(ValueError, match='precision must be one of'):
        check_precision('fp16')


def test_bf16_needs_onednn_bf16_kernels_on_cpu(monkeypatch):
    support = dict(cpu_bf16_support(), mkldnn_bf16=False)
    monkeypatch.setattr(precision_module, 'cpu_bf16_support', lambda: support)
    with pytest.raises(ValueError, match='no oneDNN bf16'):
        check_precision('bf16', 'cpu')
    check_precision('bf16', 'cuda')  # not a CPU question
    monkeypatch.setattr(precision_module, 'cpu_bf16_support',
                        lambda: dict(support, mkldnn_bf16=True))
    check_precision('bf16', 'cpu')


def test_support_is_reported():
    support = cpu_bf16_support()
    assert set(support) == {
        'avx512_bf16', 'amx_bf16', 'torch_amx', 'mkldnn_bf16'
    }
    assert all(isinstance(v, bool) for v in support.values())
    assert support['mkldnn_bf16'] == bool(
        torch.ops.mkldnn._is_mkldnn_bf16_supported())
