"""The one quantisation of fused images: saved files and fusion metrics."""
import torch
from torch import Tensor


def to_uint8(image: Tensor) -> Tensor:
    """Quantise a float image in [0, 1] to uint8.

    ``round(clip(x, 0, 1) * 255)`` with halves rounded up (MATLAB's
    ``im2uint8``); computed in float64 so no value wraps around.

    Args:
        image (Tensor): Float image of any shape, nominally in [0, 1].

    Returns:
        Tensor: uint8 tensor of the same shape, values 0-255.

    Raises:
        TypeError: ``image`` is not a floating point tensor.
        ValueError: ``image`` contains NaN or infinite values.
    """
    if not torch.is_floating_point(image):
        raise TypeError(
            f'to_uint8 expects a float image in [0, 1], got {image.dtype}. '
            'An integer image is already quantised: use it directly '
            '(uint8) instead of converting it.')
    if not torch.isfinite(image).all():
        raise ValueError(
            'to_uint8 got NaN or infinite pixel values; the fused image is '
            'invalid (check the model output / training for divergence).')
    scaled = image.detach().to(torch.float64).clamp(0, 1) * 255
    return torch.floor(scaled + 0.5).to(torch.uint8)
