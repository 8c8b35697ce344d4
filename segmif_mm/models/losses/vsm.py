"""Visual saliency map (VSM) of Ma et al., Infrared Physics & Technology 2017.

Used as a per-pixel weight by :class:`SaliencyPixelLoss`; computed on the fly
on the images' device, never from precomputed files.
"""
import torch
from torch import Tensor

NUM_LEVELS = 256


@torch.no_grad()
def visual_saliency_map(img: Tensor) -> Tensor:
    """Histogram-contrast visual saliency of 8-bit grey levels.

    For each image (and channel) separately:

    1. quantise to 8 bits: ``q = round(clamp(img, 0, 1) * 255)`` (round half
       to even, ``torch.round``);
    2. 256-bin histogram ``h(j)`` of ``q`` (pixel counts);
    3. ``V(i) = sum_j h(j) * |i - j|`` for every level ``i`` (the summed
       intensity distance of a pixel of level ``i`` to all pixels);
    4. every pixel gets ``V(q)`` of its level;
    5. min-max normalisation over the image's pixels:
       ``S = (V(q) - min V(q)) / (max V(q) - min V(q))``. A constant image
       (``max == min``, every pixel equally salient) gives ``S = 0``.

    Counts and distances are accumulated in float64, which is exact for any
    image below 2^45 pixels; the result is cast back to ``img.dtype``. No
    gradients flow through the map (it is a weight).

    Args:
        img (Tensor): Images of shape ``[B, C, H, W]`` with values in
            ``[0, 1]``; each channel of each image is treated independently
            (the fusion losses use ``C = 1``).

    Returns:
        Tensor: Saliency of shape ``[B, C, H, W]``, values in ``[0, 1]``,
        same dtype and device as ``img``.
    """
    if img.dim() != 4:
        raise ValueError(f'visual_saliency_map expects [B, C, H, W] images, '
                         f'got shape {tuple(img.shape)}.')
    if not img.is_floating_point():
        raise ValueError(f'visual_saliency_map expects float images in '
                         f'[0, 1], got dtype {img.dtype}; divide uint8 '
                         f'images by 255.')
    num_imgs = img.shape[0] * img.shape[1]
    levels = torch.round(img.detach().clamp(0, 1) * (NUM_LEVELS - 1)).long()
    levels = levels.reshape(num_imgs, -1)
    offsets = torch.arange(
        num_imgs, device=img.device).unsqueeze(1) * NUM_LEVELS
    hist = torch.bincount(
        (levels + offsets).flatten(), minlength=num_imgs * NUM_LEVELS)
    hist = hist.view(num_imgs, NUM_LEVELS).double()
    grey = torch.arange(NUM_LEVELS, dtype=torch.float64, device=img.device)
    distance = (grey.unsqueeze(0) - grey.unsqueeze(1)).abs()
    level_saliency = hist @ distance  # symmetric: V(i) = sum_j h(j) |i - j|
    saliency = torch.gather(level_saliency, 1, levels)
    low = saliency.amin(dim=1, keepdim=True)
    span = saliency.amax(dim=1, keepdim=True) - low
    # V takes whole-number values, so a positive span is at least 1; the
    # clamp only keeps constant images (span 0) away from 0 / 0.
    saliency = torch.where(span > 0, (saliency - low) / span.clamp(min=1),
                           torch.zeros_like(saliency))
    return saliency.view(img.shape).to(img.dtype)
