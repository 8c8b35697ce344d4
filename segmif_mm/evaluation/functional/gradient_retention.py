"""How much of each source's gradient a fused image keeps."""
from typing import Dict, Union

import torch
from torch import Tensor

from .conversion import check_grey_images, metric_output
from .filtering import sobel_conv2_same

#: Names returned by :func:`gradient_retention`.
GRADIENT_RETENTION_METRICS = ('GR_ir', 'GR_vis')


def gradient_retention(fused: Tensor, ir: Tensor,
                       vis: Tensor) -> Dict[str, Union[float, Tensor]]:
    """Share of each source's gradient that the fused image keeps.

    With Sobel gradient magnitudes ``g = sqrt(gx^2 + gy^2)`` (the Sobel
    responses of Qabf, :func:`~.filtering.sobel_conv2_same`), for each
    source ``S``:

    .. math::

        GR_S = \\frac{\\sum_p \\min(g_F(p), g_S(p))}{\\sum_p g_S(p)}

    in [0, 1]: 1 when the fused image is at least as sharp as the source
    everywhere the source has an edge, near 0 when it is flat there (only
    the zero-padded border of the suite's Sobel responds). Unlike SF
    and AG, which reward any gradient (noise, halos), it counts only
    gradient where the source has some, per source; unlike Qabf it does
    not ask for the same orientation. A source without any gradient (a
    black image; other constant images respond at the border) gives NaN.

    Args:
        fused (Tensor): uint8 fused image ``[H, W]`` or ``[B, H, W]`` (F).
        ir (Tensor): uint8 infrared image, same shape.
        vis (Tensor): uint8 visible image, same shape.

    Returns:
        dict[str, float | Tensor]: ``GR_ir`` and ``GR_vis``; floats for
        ``[H, W]`` inputs, ``[B]`` float64 tensors for batches.
    """
    (fused, ir, vis), unbatched = check_grey_images(
        metric='gradient retention', fused=fused, ir=ir, vis=vis)
    images = torch.stack([fused, ir, vis]).to(torch.float64)
    grad_x, grad_y = sobel_conv2_same(images)
    magnitude = torch.hypot(grad_x, grad_y)
    results = {}
    for name, source in zip(GRADIENT_RETENTION_METRICS, magnitude[1:]):
        kept = torch.minimum(magnitude[0], source).sum((-2, -1))
        results[name] = metric_output(kept / source.sum((-2, -1)), unbatched)
    return results
