"""Inference precision: float32, or bfloat16 autocast on request.

``bf16`` runs the forward passes under ``torch.autocast(device_type,
dtype=torch.bfloat16)``. It is opt-in and never chosen for the user: on the
CPU measured here (with AMX) it took 0.77x the float32 time but changed the
fused image by up to 2 grey levels at the 99.9th percentile (8-bit, real
pairs, shipped weights; docs/benchmarks.md, "bf16 on CPU"), and on CPUs
without AMX it was slower than float32. ``tools/analysis/bf16_error.py``
measures that error for a model and image set.
"""
import functools
from typing import Dict

import torch

PRECISIONS = ('fp32', 'bf16')


@functools.lru_cache(maxsize=None)
def cpu_bf16_support() -> Dict[str, bool]:
    """What this CPU and this torch build offer for bfloat16.

    Returns:
        dict[str, bool]: ``avx512_bf16`` and ``amx_bf16`` (flags in
        ``/proc/cpuinfo``; False where it cannot be read),
        ``torch_amx`` (torch's own AMX tile check, False on builds without
        it) and ``mkldnn_bf16`` (oneDNN bf16 kernels usable).
    """
    flags = set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'flags':
                    flags = set(value.split())
                    break
    except OSError:
        pass
    amx_check = getattr(torch.cpu, '_is_amx_tile_supported', None)
    mkldnn = torch.backends.mkldnn.is_available() and \
        torch.ops.mkldnn._is_mkldnn_bf16_supported()
    return dict(
        avx512_bf16='avx512_bf16' in flags,
        amx_bf16='amx_bf16' in flags,
        torch_amx=bool(amx_check()) if amx_check is not None else False,
        mkldnn_bf16=bool(mkldnn))


def check_precision(precision: str, device_type: str = 'cpu') -> None:
    """Refuse a precision this device cannot run.

    Args:
        precision (str): One of :data:`PRECISIONS`.
        device_type (str): ``'cpu'``, ``'cuda'``... Defaults to 'cpu'.

    Raises:
        ValueError: ``precision`` is not one of :data:`PRECISIONS`, or it
            is ``'bf16'`` on a CPU without oneDNN bf16 kernels.
    """
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}.')
    if precision == 'bf16' and device_type == 'cpu' and \
            not cpu_bf16_support()['mkldnn_bf16']:
        raise ValueError('precision bf16 asked for, but this CPU/torch '
                         'build has no oneDNN bf16 kernels; use fp32.')
