"""Inference precision: fp32, or bfloat16 autocast where it pays on CPU.

``--precision {auto,fp32,bf16}`` of ``tools/infer.py``, ``tools/fuse.py``
and ``tools/benchmark.py`` goes through :func:`select_precision` and
:func:`precision_context`:

* ``fp32``: plain float32.
* ``bf16``: ``torch.autocast(device_type, dtype=torch.bfloat16)`` (opt-in
  on any device).
* ``auto``: bf16 only on a CPU that reports AMX for bf16 (``amx_bf16``, the
  only CPUs where bf16 autocast was measured faster than fp32; with
  ``avx512_bf16`` alone it was slower) **and** only if the recorded error
  of bf16 against fp32 (:data:`BF16_MEASUREMENT`, from
  ``tools/analysis/bf16_error.py`` on real pairs) stays within
  :data:`BF16_MAX_P999_GREY` grey levels at the 99.9th percentile of the
  fused image; fp32 everywhere else (CUDA included: not measured).

The choice and its reason are logged.
"""
import functools
from contextlib import nullcontext
from typing import ContextManager, Dict, Optional, Tuple

import torch
from mmengine.logging import print_log

PRECISIONS = ('auto', 'fp32', 'bf16')
# Largest 99.9th-percentile absolute difference of the fused image (8-bit
# grey levels) under which ``auto`` may choose bf16.
BF16_MAX_P999_GREY = 1.0
# bf16 autocast against fp32, measured by tools/analysis/bf16_error.py
# (docs/benchmarks.md, "bf16 on CPU"; docs/benchmarks/bf16_error.json): the
# worst image set's 99.9th percentile of |fused_bf16 - fused_fp32| of the
# 8-bit fused images with the shipped fusion weights, on 6 MSRS and 6
# RoadScene pairs (both sets: 2.00). ``auto`` reads it; rerun the tool
# after changing the model.
BF16_MEASUREMENT = dict(
    p999_grey=2.0,
    source='tools/analysis/bf16_error.py, 2026-12-01, '
    'docs/benchmarks/bf16_error.json')


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


def select_precision(
        precision: str,
        device: str = 'cpu',
        support: Optional[Dict[str, bool]] = None,
        measured_p999_grey: Optional[float] = None) -> Tuple[str, str]:
    """Resolve ``auto`` to ``fp32`` or ``bf16``, with the reason.

    Args:
        precision (str): One of :data:`PRECISIONS`.
        device (str): Device the model runs on, e.g. ``'cpu'``, ``'cuda:0'``.
        support (dict, optional): :func:`cpu_bf16_support` of the CPU.
            Defaults to None (this CPU's).
        measured_p999_grey (float, optional): The recorded bf16 error.
            Defaults to None (``BF16_MEASUREMENT['p999_grey']``; without a
            record ``auto`` is fp32).

    Returns:
        tuple[str, str]: ``('fp32' | 'bf16', reason)``.

    Raises:
        ValueError: ``precision`` is not one of :data:`PRECISIONS`, or bf16
            is asked for on a CPU without oneDNN bf16 kernels.
    """
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}.')
    on_cpu = torch.device(device).type == 'cpu'
    if precision == 'fp32':
        return 'fp32', 'asked for'
    if precision == 'bf16':
        if on_cpu and not (support or cpu_bf16_support())['mkldnn_bf16']:
            raise ValueError('bf16 asked for, but this CPU/torch build has '
                             'no oneDNN bf16 kernels; use fp32.')
        return 'bf16', 'asked for'
    if not on_cpu:
        return 'fp32', f'auto: bf16 is chosen on CPUs only ({device})'
    support = support or cpu_bf16_support()
    if not (support['amx_bf16'] and support['mkldnn_bf16']):
        return 'fp32', ('auto: the CPU reports no amx_bf16 (bf16 autocast '
                        'is slower than fp32 without AMX)')
    if measured_p999_grey is None:
        measured_p999_grey = BF16_MEASUREMENT['p999_grey']
    if measured_p999_grey is None:
        return 'fp32', 'auto: no recorded bf16 error measurement'
    if measured_p999_grey > BF16_MAX_P999_GREY:
        return 'fp32', (
            f'auto: amx_bf16 present, but the measured bf16 error '
            f'(p99.9 {measured_p999_grey:.2f} grey levels) exceeds '
            f'{BF16_MAX_P999_GREY:g}')
    return 'bf16', (f'auto: amx_bf16 present and the measured bf16 error '
                    f'(p99.9 {measured_p999_grey:.2f} grey levels) is '
                    f'within {BF16_MAX_P999_GREY:g}')


def precision_context(precision: str, device: str = 'cpu') -> ContextManager:
    """Context to run inference in, after resolving and logging the choice.

    Args:
        precision (str): One of :data:`PRECISIONS`.
        device (str): Device the model runs on. Defaults to 'cpu'.

    Returns:
        ContextManager: ``torch.autocast(..., dtype=torch.bfloat16)`` for
        bf16, a no-op context for fp32.
    """
    chosen, reason = select_precision(precision, device)
    print_log(
        f'precision {precision} -> {chosen} on {device} ({reason}); CPU '
        f'bf16 support: {cpu_bf16_support()}',
        logger='current')
    if chosen == 'fp32':
        return nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)


def add_precision_argument(parser) -> None:
    """Add ``--precision {auto,fp32,bf16}`` (default ``auto``) to an
    ``argparse`` parser or argument group."""
    parser.add_argument(
        '--precision',
        choices=PRECISIONS,
        default='auto',
        help='fp32, bf16 autocast, or auto: bf16 only where it was measured '
        'faster and accurate enough (see segmif_mm.apis.precision)')
