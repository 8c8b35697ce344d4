"""Stride-1 convolution stacks computed on horizontal stripes of the image.

At full image resolution on CPU the cost of a convolution stack is memory
traffic more than arithmetic: oneDNN first copies a convolution's whole
input into its blocked layout, and every intermediate map is image-sized.
Computed on horizontal stripes with a halo of context rows, the same stack
keeps its temporaries stripe-sized, so they stay in the caches and are
served from the heap instead of being mapped and faulted in anew.
"""
from typing import Callable

from torch import Tensor, nn


def conv_halo(module: nn.Module) -> int:
    """Rows of context that one output row of a stack of stride-1,
    size-keeping convolutions needs on either side.

    Args:
        module (nn.Module): The stack.

    Returns:
        int: The sum of ``dilation * (kernel_size // 2)`` over the stack's
        ``Conv2d`` layers (their vertical extent).
    """
    return sum(m.dilation[0] * (m.kernel_size[0] // 2)
               for m in module.modules() if isinstance(m, nn.Conv2d))


def apply_in_stripes(fn: Callable[[int, int], Tensor], out: Tensor, halo: int,
                     row_bytes: int, stripe_bytes: int) -> Tensor:
    """Compute a spatial operation on horizontal stripes of the image.

    ``fn(start, end)`` must return the operation applied to input rows
    ``start:end`` alone, where each output row depends only on the input
    rows within ``halo`` rows of it (stride-1 convolutions zero-padded to
    keep the size). Each stripe is computed with ``halo`` rows of context on
    either side (none beyond the image border, where the convolutions pad
    with zeros as they do for the whole image) and only its own rows are
    kept, so ``out`` equals the operation on the whole image. The context
    rows are computed twice, a small overhead for stripes much taller than
    ``2 * halo``.

    Args:
        fn (Callable[[int, int], Tensor]): Operation on input rows
            ``[start, end)``, returning ``[B, C', end - start, W]``.
        out (Tensor): Output ``[B, C', H, W]``, written in place.
        halo (int): Rows of context each output row needs on either side.
        row_bytes (int): Bytes of one image row of the operation's largest
            tensor (all batch items and channels), to size the stripes.
        stripe_bytes (int): Approximate size of that tensor for one stripe
            with its context; at least ``8 * halo`` rows are taken per
            stripe.

    Returns:
        Tensor: ``out``.
    """
    height = out.shape[2]
    rows = max(stripe_bytes // max(row_bytes, 1) - 2 * halo, 8 * halo, 1)
    for top in range(0, height, rows):
        bottom = min(top + rows, height)
        start, end = max(top - halo, 0), min(bottom + halo, height)
        out[:, :, top:bottom] = fn(start, end)[:, :,
                                               top - start:bottom - start]
    return out
