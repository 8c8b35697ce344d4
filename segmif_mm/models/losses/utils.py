"""Input checks, Gaussian filtering and SSIM maps of the fusion losses."""
import torch
import torch.nn.functional as F
from torch import Tensor

from segmif_mm.utils import (SSIM_K1, SSIM_K2, gaussian_kernel1d,
                             ssim_from_statistics)


def check_luminance_inputs(**images: Tensor) -> None:
    """Check that images are ``[B, 1, H, W]`` float tensors of one shape.

    Args:
        **images (Tensor): Named images, e.g. ``u=fused, x=vis, y=ir``. The
            names appear in the error message.

    Raises:
        ValueError: If an image is not 4-D with one channel, not floating
            point, or the shapes differ.
    """
    shapes = {}
    for name, img in images.items():
        if img.dim() != 4 or img.shape[1] != 1:
            raise ValueError(
                f'`{name}` must be a luminance tensor of shape [B, 1, H, W], '
                f'got {tuple(img.shape)}. Convert RGB to Y (YCbCr) first.')
        if not img.is_floating_point():
            raise ValueError(
                f'`{name}` must be a float tensor in [0, 1], got dtype '
                f'{img.dtype}. Divide uint8 images by 255.')
        shapes[name] = tuple(img.shape)
    if len(set(shapes.values())) > 1:
        raise ValueError(
            f'The fused and source images must have the same shape, got '
            f'{shapes}. Resize or crop them to one size.')


def gaussian_filter(img: Tensor,
                    size: int,
                    sigma: float,
                    padding: str = 'valid') -> Tensor:
    """Separable Gaussian filtering of every channel independently.

    Args:
        img (Tensor): Images of shape ``[B, C, H, W]``, floating point.
        size (int): Odd kernel size.
        sigma (float): Standard deviation of the Gaussian in pixels.
        padding (str): ``'valid'`` (no padding, output ``H-size+1`` by
            ``W-size+1``, like MATLAB ``filter2(..., 'valid')``) or one of
            ``'reflect'``, ``'replicate'``, ``'zeros'`` (output ``H x W``).
            ``'reflect'`` mirrors without repeating the border pixel (OpenCV's
            ``BORDER_REFLECT_101``). Defaults to 'valid'.

    Returns:
        Tensor: Filtered images, same dtype and device as ``img``.
    """
    if padding not in ('valid', 'reflect', 'replicate', 'zeros'):
        raise ValueError(
            f"padding must be 'valid', 'reflect', 'replicate' or 'zeros', "
            f'got {padding!r}.')
    channels = img.shape[1]
    half = size // 2
    if padding == 'valid':
        if min(img.shape[-2:]) < size:
            raise ValueError(
                f'Images of size {tuple(img.shape[-2:])} are smaller than the '
                f'{size}x{size} filter window; use larger images or crops.')
    else:
        if padding == 'reflect' and min(img.shape[-2:]) <= half:
            raise ValueError(
                f'Images of size {tuple(img.shape[-2:])} are too small for '
                f"'reflect' padding of a {size}x{size} filter; they need more "
                f'than {half} pixels per side.')
        mode = 'constant' if padding == 'zeros' else padding
        img = F.pad(img, (half, half, half, half), mode=mode)
    kernel = gaussian_kernel1d(size, sigma, img.dtype, img.device)
    kernel_v = kernel.view(1, 1, size, 1).expand(channels, 1, size, 1)
    kernel_h = kernel.view(1, 1, 1, size).expand(channels, 1, 1, size)
    out = F.conv2d(img, kernel_v, groups=channels)
    return F.conv2d(out, kernel_h, groups=channels)


def ssim_map(img1: Tensor,
             img2: Tensor,
             data_range: float = 1.0,
             window_size: int = 11,
             sigma: float = 1.5,
             k1: float = SSIM_K1,
             k2: float = SSIM_K2) -> Tensor:
    """Local structural similarity of Wang et al. (IEEE TIP 2004),
    differentiable.

    The local statistics come from a Gaussian window and 'valid' filtering
    (no padding), as in the authors' ``ssim_index.m``; the variances are
    the biased ``E[a^2] - E[a]^2``; the formula is
    :func:`segmif_mm.utils.ssim_from_statistics` (shared with the SSIM
    fusion metric). The mean of the map is the usual SSIM score.

    Args:
        img1 (Tensor): Images of shape ``[B, C, H, W]`` with values in
            ``[0, data_range]``; H and W at least ``window_size``.
        img2 (Tensor): Images of the same shape, dtype and device.
        data_range (float): Dynamic range L of the data: 1 for ``[0, 1]``
            images, 255 for 8-bit values. Defaults to 1.0.
        window_size (int): Gaussian window size. Defaults to 11.
        sigma (float): Gaussian standard deviation. Defaults to 1.5.
        k1 (float): Luminance stabiliser constant. Defaults to 0.01.
        k2 (float): Contrast stabiliser constant. Defaults to 0.03.

    Returns:
        Tensor: SSIM map of shape
        ``[B, C, H - window_size + 1, W - window_size + 1]``, values in
        ``[-1, 1]`` (1 where the images agree).
    """
    if img1.shape != img2.shape:
        raise ValueError(f'SSIM needs two images of one shape, got '
                         f'{tuple(img1.shape)} and {tuple(img2.shape)}.')
    # One filtering pass over the five statistics stacked along channels.
    channels = img1.shape[1]
    stats = gaussian_filter(
        torch.cat([img1, img2, img1 * img1, img2 * img2, img1 * img2], dim=1),
        window_size, sigma)
    mu1, mu2, e11, e22, e12 = stats.split(channels, dim=1)
    return ssim_from_statistics(mu1, mu2, e11 - mu1 * mu1, e22 - mu2 * mu2,
                                e12 - mu1 * mu2, data_range, k1, k2)
