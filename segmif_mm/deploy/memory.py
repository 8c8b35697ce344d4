"""glibc ``malloc`` tuning for CPU inference on large images.

SegMiF's fusion network runs at full input resolution, so many of its
activations are tens to hundreds of MB (one 64-channel float32 map of a
640x480 image is 79 MB). glibc serves every allocation above
``M_MMAP_THRESHOLD`` (at most 32 MB with the default dynamic threshold)
with a fresh ``mmap`` and returns it with ``munmap`` when the tensor is
freed, so each such tensor is faulted in page by page again on every
forward pass. On CPU this page-fault (system) time was about a third of the
inference time. :func:`tune_malloc_for_inference` raises the thresholds so
that these buffers come from the heap and are reused; it changes where
memory comes from, never what is computed, so results are bit-identical.
The price is that freed memory is kept by the process (its resident size
stays at its peak) instead of being returned to the system.

:func:`reuse_freed_memory` does the same for the duration of a block only
(one forward pass): within the pass, freed large blocks are reused by the
next allocations (most of the gain), and at the end the thresholds return
to glibc's usual steady-state values and the free heap is given back to
the system (``malloc_trim``), so the resident size between passes is as
without it. :func:`~segmif_mm.deploy.convert_for_cpu_inference` runs
every forward pass of the converted model inside it.
"""
import ctypes
import ctypes.util
import platform
import threading
from contextlib import contextmanager
from typing import Iterator, Optional

# <malloc.h> parameter numbers.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
INT_MAX = 2**31 - 1
# glibc's largest dynamic mmap threshold on 64-bit systems (the value its
# default adaptive threshold reaches once large blocks have been freed) and
# the trim threshold it pairs with it (twice that).
STEADY_MMAP_THRESHOLD = 2**25
STEADY_TRIM_THRESHOLD = 2**26

_libc: Optional[ctypes.CDLL] = None
_tuned_for_good = False
_scope_lock = threading.Lock()
_scope_depth = 0


def _glibc() -> Optional[ctypes.CDLL]:
    """The C library if it is glibc, else None."""
    global _libc
    if platform.system() != 'Linux' or platform.libc_ver()[0] != 'glibc':
        return None
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
    return _libc


def tune_malloc_for_inference(mmap_threshold: int = 2**30,
                              trim_threshold: int = 2**30) -> bool:
    """Let glibc reuse large freed blocks instead of unmapping them.

    Calls ``mallopt(M_MMAP_THRESHOLD, mmap_threshold)`` (blocks smaller
    than this come from the heap, which also switches off glibc's dynamic
    threshold) and ``mallopt(M_TRIM_THRESHOLD, trim_threshold)`` (free
    memory at the top of the heap is returned to the system only beyond
    this size). Settings are process-wide and apply to later allocations;
    call it once in an inference entry point (script, server), not in
    library code or during training, where keeping the peak resident size
    may not be wanted. Does nothing (and returns False) where the C library
    is not glibc.

    Example:
        >>> from segmif_mm.deploy import tune_malloc_for_inference
        >>> tune_malloc_for_inference()  # before building the model
        True

    Args:
        mmap_threshold (int): Bytes; blocks at least this large are still
            mapped individually. Defaults to 1 GiB.
        trim_threshold (int): Bytes of free heap top kept by the process.
            Defaults to 1 GiB.

    Returns:
        bool: True if glibc accepted both settings, False on other C
        libraries.

    Raises:
        ValueError: A threshold is outside ``[0, 2**31 - 1]`` (a C int).
        RuntimeError: glibc rejected a setting.
    """
    for name, value in (('mmap_threshold', mmap_threshold), ('trim_threshold',
                                                             trim_threshold)):
        if not 0 <= value <= INT_MAX:
            raise ValueError(
                f'tune_malloc_for_inference: {name} must be between 0 and '
                f'{INT_MAX} bytes (a C int), got {value}.')
    global _tuned_for_good
    libc = _glibc()
    if libc is None:
        return False
    _set_thresholds(libc, mmap_threshold, trim_threshold)
    _tuned_for_good = True
    return True


def _set_thresholds(libc: ctypes.CDLL, mmap_threshold: int,
                    trim_threshold: int) -> None:
    for param, value in ((M_MMAP_THRESHOLD, mmap_threshold), (M_TRIM_THRESHOLD,
                                                              trim_threshold)):
        if libc.mallopt(ctypes.c_int(param), ctypes.c_int(value)) != 1:
            raise RuntimeError(
                f'glibc mallopt({param}, {value}) failed; choose a smaller '
                'threshold.')


@contextmanager
def reuse_freed_memory(threshold: int = 2**30) -> Iterator[bool]:
    """Within the block, let glibc reuse large freed blocks.

    Entering raises ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD`` to
    ``threshold``, so blocks freed inside the block (activations of one
    forward pass) are reused by later allocations instead of being unmapped
    and faulted in anew. Leaving sets them to glibc's steady-state values
    (:data:`STEADY_MMAP_THRESHOLD`, :data:`STEADY_TRIM_THRESHOLD`; the
    default adaptive threshold cannot be restored once set) and calls
    ``malloc_trim(0)``, which returns the free heap to the system. Results
    are unchanged (only where memory comes from changes). The settings are
    process-wide while the block runs; nested and concurrent blocks keep
    them until the last one leaves. Does nothing where the C library is not
    glibc, or after :func:`tune_malloc_for_inference` (which keeps its
    settings for good).

    Example:
        >>> with reuse_freed_memory():
        ...     outputs = model(inputs, mode='tensor')

    Args:
        threshold (int): Bytes, at most ``2**31 - 1``. Defaults to 1 GiB.

    Yields:
        bool: Whether the thresholds were changed.
    """
    global _scope_depth
    libc = _glibc()
    if libc is None or _tuned_for_good:
        yield False
        return
    with _scope_lock:
        _scope_depth += 1
        if _scope_depth == 1:
            _set_thresholds(libc, threshold, threshold)
    try:
        yield True
    finally:
        with _scope_lock:
            _scope_depth -= 1
            if _scope_depth == 0 and not _tuned_for_good:
                _set_thresholds(libc, STEADY_MMAP_THRESHOLD,
                                STEADY_TRIM_THRESHOLD)
                libc.malloc_trim(ctypes.c_size_t(0))
