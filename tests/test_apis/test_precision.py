import pytest
import torch

from segmif_mm.apis import (BF16_MAX_P999_GREY, cpu_bf16_support,
                            precision_context, select_precision)

AMX = dict(avx512_bf16=True, amx_bf16=True, torch_amx=True, mkldnn_bf16=True)
NO_AMX = dict(AMX, amx_bf16=False, torch_amx=False)
WITHIN = BF16_MAX_P999_GREY / 2
BEYOND = BF16_MAX_P999_GREY + 1


def test_explicit_choices_are_kept():
    assert select_precision('fp32', 'cpu', AMX, WITHIN)[0] == 'fp32'
    assert select_precision('bf16', 'cpu', NO_AMX, BEYOND)[0] == 'bf16'
    assert select_precision('bf16', 'cuda:0')[0] == 'bf16'


@pytest.mark.parametrize(
    'device,support,measured,expected',
    [('cpu', AMX, WITHIN, 'bf16'), ('cpu', AMX, BEYOND, 'fp32'),
     ('cpu', AMX, None, 'fp32'), ('cpu', NO_AMX, WITHIN, 'fp32'),
     ('cpu', dict(AMX, mkldnn_bf16=False), WITHIN, 'fp32'),
     ('cuda:0', AMX, WITHIN, 'fp32')])
def test_auto_needs_amx_and_the_error_bound(device, support, measured,
                                            expected, monkeypatch):
    """bf16 only on an AMX CPU whose recorded error is within the bound;
    without a record (None) auto is fp32."""
    import segmif_mm.apis.precision as precision
    monkeypatch.setitem(precision.BF16_MEASUREMENT, 'p999_grey', None)
    chosen, reason = select_precision('auto', device, support, measured)
    assert chosen == expected
    assert reason.startswith('auto')


def test_auto_reads_the_recorded_measurement(monkeypatch):
    import segmif_mm.apis.precision as precision
    monkeypatch.setitem(precision.BF16_MEASUREMENT, 'p999_grey', WITHIN)
    assert select_precision('auto', 'cpu', AMX)[0] == 'bf16'
    monkeypatch.setitem(precision.BF16_MEASUREMENT, 'p999_grey', BEYOND)
    chosen, reason = select_precision('auto', 'cpu', AMX)
    assert chosen == 'fp32' and 'exceeds' in reason


def test_bad_choices():
    with pytest.raises(ValueError, match='precision must be one of'):
        select_precision('fp16')
    with pytest.raises(ValueError, match='no oneDNN bf16'):
        select_precision('bf16', 'cpu', dict(NO_AMX, mkldnn_bf16=False))


def test_support_is_reported():
    support = cpu_bf16_support()
    assert set(support) == {
        'avx512_bf16', 'amx_bf16', 'torch_amx', 'mkldnn_bf16'
    }
    assert all(isinstance(v, bool) for v in support.values())


def test_context_autocasts_only_for_bf16():
    x = torch.rand(2, 3)
    with precision_context('fp32'):
        assert (x @ x.T).dtype == torch.float32
    if cpu_bf16_support()['mkldnn_bf16']:
        with precision_context('bf16'):
            assert (x @ x.T).dtype == torch.bfloat16
