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
"""
import ctypes
import ctypes.util
import platform

# <malloc.h> parameter numbers.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
INT_MAX = 2**31 - 1


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
        >>> from segmif_mm.utils import tune_malloc_for_inference
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
    if platform.system() != 'Linux' or platform.libc_ver()[0] != 'glibc':
        return False
    libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
    for param, value in ((M_MMAP_THRESHOLD, mmap_threshold), (M_TRIM_THRESHOLD,
                                                              trim_threshold)):
        if libc.mallopt(ctypes.c_int(param), ctypes.c_int(value)) != 1:
            raise RuntimeError(
                f'glibc mallopt({param}, {value}) failed; choose a smaller '
                'threshold in tune_malloc_for_inference.')
    return True
