"""Full-range ITU-R BT.601 (JPEG) conversion between RGB and YCbCr.

.. math::

    \\begin{bmatrix} Y \\\\ C_b \\\\ C_r \\end{bmatrix} =
    \\begin{bmatrix}
        0.299 & 0.587 & 0.114 \\\\
        -0.168736 & -0.331264 & 0.5 \\\\
        0.5 & -0.418688 & -0.081312
    \\end{bmatrix}
    \\begin{bmatrix} R \\\\ G \\\\ B \\end{bmatrix} +
    \\begin{bmatrix} 0 \\\\ 0.5 \\\\ 0.5 \\end{bmatrix}

for values in [0, 1]. The inverse uses the exact (float64) inverse of this
matrix, so a round trip reproduces the input up to float32 rounding. A grey
pixel (R = G = B) has Cb = Cr = 0.5.
"""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

_RGB_TO_YCBCR = torch.tensor(
    [[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5],
     [0.5, -0.418688, -0.081312]],
    dtype=torch.float64)
_YCBCR_TO_RGB = torch.linalg.inv(_RGB_TO_YCBCR)
_CHROMA_OFFSET = torch.tensor([0.0, 0.5, 0.5], dtype=torch.float64)


def _check_image(img: Tensor, name: str, channels: int) -> None:
    if img.dim() != 4 or img.shape[1] != channels:
        raise ValueError(
            f'`{name}` must be a tensor of shape [B, {channels}, H, W], got '
            f'{tuple(img.shape)}. Pass images in NCHW layout.')
    if not img.is_floating_point():
        raise ValueError(
            f'`{name}` must be a float tensor with values in [0, 1], got '
            f'dtype {img.dtype}. Divide uint8 images by 255.')


def _pixelwise_affine(img: Tensor, matrix: Tensor, bias: Tensor) -> Tensor:
    """Apply ``matrix @ pixel + bias`` to every pixel of ``[B, 3, H, W]``."""
    weight = matrix.to(img).view(3, 3, 1, 1)
    return F.conv2d(img, weight, bias.to(img))


def rgb_to_ycbcr(rgb: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Convert RGB images to Y, Cb and Cr planes (full-range BT.601).

    Args:
        rgb (Tensor): Images of shape ``[B, 3, H, W]``, channels (R, G, B),
            float values in [0, 1].

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``(y, cb, cr)``, each of shape
        ``[B, 1, H, W]`` with values in [0, 1] (Cb = Cr = 0.5 for grey).
    """
    _check_image(rgb, 'rgb', 3)
    ycbcr = _pixelwise_affine(rgb, _RGB_TO_YCBCR, _CHROMA_OFFSET)
    y, cb, cr = ycbcr.split(1, dim=1)
    return y, cb, cr


def ycbcr_to_rgb(y: Tensor, cb: Tensor, cr: Tensor) -> Tensor:
    """Convert Y, Cb and Cr planes back to RGB (inverse of
    :func:`rgb_to_ycbcr`).

    Args:
        y (Tensor): Luminance of shape ``[B, 1, H, W]`` in [0, 1].
        cb (Tensor): Blue-difference chroma, same shape, in [0, 1].
        cr (Tensor): Red-difference chroma, same shape, in [0, 1].

    Returns:
        Tensor: RGB images of shape ``[B, 3, H, W]``. Values are in [0, 1]
        for colours inside the RGB gamut; combining a new luminance with
        another image's chroma can leave it, so clamp where [0, 1] is
        required.
    """
    for name, plane in (('y', y), ('cb', cb), ('cr', cr)):
        _check_image(plane, name, 1)
    if not y.shape == cb.shape == cr.shape:
        raise ValueError(
            f'y, cb and cr must have one shape, got {tuple(y.shape)}, '
            f'{tuple(cb.shape)} and {tuple(cr.shape)}. Resize the chroma '
            'planes to the luminance size first.')
    ycbcr = torch.cat([y, cb, cr], dim=1)
    offset = -_YCBCR_TO_RGB @ _CHROMA_OFFSET
    return _pixelwise_affine(ycbcr, _YCBCR_TO_RGB, offset)
