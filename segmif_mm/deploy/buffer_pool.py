"""A scratch buffer kept between the forward passes of an inference model."""
from contextlib import contextmanager
from typing import Dict, Iterator, Sequence

import torch
from torch import Tensor


class BufferPool:
    """Lends scratch buffers, keeping the last one returned for reuse.

    Repeated forward passes at one image size then use the same memory for
    a large buffer instead of mapping and faulting in fresh pages for it
    every time. One buffer is kept (the modules sharing a pool reuse it
    one after the other); a request while it is lent out (another thread)
    gets a fresh one. Contents are undefined.

    Example:
        >>> pool = BufferPool()
        >>> with pool.buffer((1, 224, 480, 640), like=x) as features:
        ...     features[:, :64] = x
    """

    def __init__(self) -> None:
        self._kept: Dict[tuple, Tensor] = {}

    @contextmanager
    def buffer(self, shape: Sequence[int], like: Tensor) -> Iterator[Tensor]:
        """Lend a buffer.

        Args:
            shape (Sequence[int]): Its shape.
            like (Tensor): A tensor with the dtype and device it needs.

        Yields:
            Tensor: An uninitialised buffer of ``shape``, kept for the next
            request when the block ends.
        """
        key = (tuple(shape), like.dtype, like.device,
               torch.is_inference_mode_enabled())
        buf = self._kept.pop(key, None)
        if buf is None:
            buf = like.new_empty(shape)
        try:
            yield buf
        finally:
            self._kept = {key: buf}

    @property
    def kept(self) -> Dict[tuple, Tensor]:
        """dict[tuple, Tensor]: The kept buffer under its shape, dtype,
        device and inference-mode flag (empty after :meth:`release`)."""
        return dict(self._kept)

    def release(self) -> None:
        """Free the kept buffer (e.g. after the last image of a run in a
        long-lived process)."""
        self._kept = {}
