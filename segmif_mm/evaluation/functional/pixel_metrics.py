"""Pixel-statistics fusion metrics: SD, SF, AG, CC, SCD, MSE and PSNR.

"float" below means the uint8 grey values as float64 in 0-255. SD, CC, SCD
and MSE are computed from exact integer sums of pixels and pixel products
(:func:`image_moments`), which is both faster and more accurate than
summing centred float values.
"""
import math
from typing import Tuple, Union

import torch
from torch import Tensor

from .conversion import check_grey_images, metric_output

# N^2 * 255^2 must fit in int64 for the exact centred sums.
_MAX_PIXELS = math.isqrt((2**63 - 1) // 255**2)


def image_moments(images: Tensor) -> Tuple[Tensor, Tensor]:
    """Exact raw and centred second moments of uint8 images.

    Args:
        images (Tensor): uint8 ``[B, K, H, W]``, or their float64 copies
            (which are not copied again).

    Returns:
        tuple[Tensor, Tensor]: int64 ``[B, K, K]`` sums of products
        ``P[i, j] = sum(x_i * x_j)`` and centred sums times the pixel count
        ``C[i, j] = N * P[i, j] - sum(x_i) * sum(x_j)``
        (``= N^2 cov(x_i, x_j)``).

    Raises:
        ValueError: More than about 11.9 million pixels per image.
    """
    num_pixels = images.shape[-2] * images.shape[-1]
    if num_pixels > _MAX_PIXELS:
        raise ValueError(
            f'Images of {num_pixels} pixels exceed the {_MAX_PIXELS} pixels '
            'for which pixel moments are exact in int64; evaluate crops.')
    flat = images.flatten(2).to(torch.float64)
    # Sums of integer products stay below 2^53, so float64 sums are exact.
    products = (flat @ flat.transpose(1, 2)).long()
    sums = flat.sum(-1).long()
    centred = num_pixels * products - sums.unsqueeze(2) * sums.unsqueeze(1)
    return products, centred


def correlation_from_moments(centred: Tensor, i: int, j: int) -> Tensor:
    """Pearson correlation (MATLAB ``corr2``) of images ``i`` and ``j``.

    Args:
        centred (Tensor): ``C`` of :func:`image_moments`, ``[B, K, K]``.
        i (int): First image.
        j (int): Second image.

    Returns:
        Tensor: float64 ``[B]``; NaN if an image is constant.
    """
    centred = centred.to(torch.float64)
    return centred[:, i, j] / torch.sqrt(centred[:, i, i] * centred[:, j, j])


def scd_from_moments(centred: Tensor, a: int, b: int, f: int) -> Tensor:
    """corr(F - B, A) + corr(F - A, B) from exact centred sums ``[B]``."""
    c = {(i, j): centred[:, i, j] for i in (a, b, f) for j in (a, b, f)}
    var_fb = (c[f, f] + c[b, b] - 2 * c[f, b]).to(torch.float64)
    var_fa = (c[f, f] + c[a, a] - 2 * c[f, a]).to(torch.float64)
    corr_fb_a = (c[f, a] - c[b, a]) / torch.sqrt(var_fb * c[a, a])
    corr_fa_b = (c[f, b] - c[a, b]) / torch.sqrt(var_fa * c[b, b])
    return corr_fb_a + corr_fa_b


def mse_from_moments(products: Tensor, num_pixels: int, a: int, b: int,
                     f: int) -> Tensor:
    """(MSE(A, F) + MSE(B, F)) / 2 on [0, 1] images from exact sums."""
    squared_errors = sum(products[:, f, f] + products[:, s, s] -
                         2 * products[:, s, f] for s in (a, b))
    return squared_errors.to(torch.float64) / (2 * num_pixels * 255**2)


def spatial_frequency_float(fused: Tensor) -> Tensor:
    """SF of float64 ``[B, H, W]`` images, ``[B]``."""
    rows = torch.diff(fused, dim=-2)
    cols = torch.diff(fused, dim=-1)
    return torch.sqrt((rows * rows).mean((-2, -1)) +
                      (cols * cols).mean((-2, -1)))


def average_gradient_float(fused: Tensor) -> Tensor:
    """AG of float64 ``[B, H, W]`` images, ``[B]``."""
    # MATLAB's gradient(): central differences inside, one-sided at the
    # borders, which is torch.gradient with edge_order=1.
    grad_y, grad_x = torch.gradient(fused, dim=(-2, -1), edge_order=1)
    height, width = fused.shape[-2:]
    magnitude = torch.sqrt((grad_x * grad_x + grad_y * grad_y) / 2)
    return magnitude.sum((-2, -1)) / ((height - 1) * (width - 1))


def psnr_from_mse(mse_value: Tensor, peak: float) -> Tensor:
    """``20 log10(peak / sqrt(mse))`` in dB."""
    return 20 * math.log10(peak) - 10 * torch.log10(mse_value)


def _triplet_moments(fused: Tensor, ir: Tensor, vis: Tensor, metric: str):
    """Moments of (A, B, F) = (ir, vis, fused) and the batching flag."""
    (fused, ir, vis), unbatched = check_grey_images(
        metric=metric, fused=fused, ir=ir, vis=vis)
    products, centred = image_moments(torch.stack([ir, vis, fused], 1))
    return products, centred, fused.shape[-2] * fused.shape[-1], unbatched


def standard_deviation(fused: Tensor) -> Union[float, Tensor]:
    """SD: population standard deviation of float F, in grey levels.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``.

    Returns:
        float | Tensor: SD in [0, 127.5]; float64 ``[B]`` for batches.
    """
    (fused, ), unbatched = check_grey_images(metric='SD', fused=fused)
    _, centred = image_moments(fused.unsqueeze(1))
    num_pixels = fused.shape[-2] * fused.shape[-1]
    value = torch.sqrt(centred[:, 0, 0].to(torch.float64)) / num_pixels
    return metric_output(value, unbatched)


def spatial_frequency(fused: Tensor) -> Union[float, Tensor]:
    """SF = sqrt(RF^2 + CF^2) of float F, in grey levels.

    RF is the root mean square of the vertical first differences
    ``F(i, j) - F(i - 1, j)`` (mean over the ``(H - 1) x W`` differences),
    CF the same for the horizontal differences (mean over ``H x (W - 1)``).

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``, H, W >= 2.

    Returns:
        float | Tensor: SF >= 0; float64 ``[B]`` for batches.
    """
    (fused, ), unbatched = check_grey_images(
        min_size=2, metric='SF', fused=fused)
    return metric_output(
        spatial_frequency_float(fused.to(torch.float64)), unbatched)


def average_gradient(fused: Tensor) -> Union[float, Tensor]:
    """AG of float F with MATLAB ``gradient`` semantics, in grey levels.

    ``s = sqrt((Gx^2 + Gy^2) / 2)`` with ``[Gx, Gy] = gradient(F)`` (central
    differences inside, one-sided at the borders), summed over all
    ``H x W`` pixels and divided by ``(H - 1)(W - 1)`` as the suite does.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``, H, W >= 2.

    Returns:
        float | Tensor: AG >= 0; float64 ``[B]`` for batches.
    """
    (fused, ), unbatched = check_grey_images(
        min_size=2, metric='AG', fused=fused)
    return metric_output(
        average_gradient_float(fused.to(torch.float64)), unbatched)


def correlation_coefficient(fused: Tensor, ir: Tensor,
                            vis: Tensor) -> Union[float, Tensor]:
    """CC = (corr(A, F) + corr(B, F)) / 2, Pearson over whole images.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``.
        ir (Tensor): uint8, same shape (A).
        vis (Tensor): uint8, same shape (B).

    Returns:
        float | Tensor: CC in [-1, 1] (NaN if an image is constant);
        float64 ``[B]`` for batches.
    """
    _, centred, _, unbatched = _triplet_moments(fused, ir, vis, 'CC')
    value = (correlation_from_moments(centred, 0, 2) +
             correlation_from_moments(centred, 1, 2)) / 2
    return metric_output(value, unbatched)


def scd(fused: Tensor, ir: Tensor, vis: Tensor) -> Union[float, Tensor]:
    """SCD = corr(F - B, A) + corr(F - A, B) on float images.

    Sum of the correlations of differences (Aslantas and Bendes, 2015).

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``.
        ir (Tensor): uint8, same shape (A).
        vis (Tensor): uint8, same shape (B).

    Returns:
        float | Tensor: SCD in [-2, 2] (NaN if a difference image or a
        source is constant); float64 ``[B]`` for batches.
    """
    _, centred, _, unbatched = _triplet_moments(fused, ir, vis, 'SCD')
    return metric_output(scd_from_moments(centred, 0, 1, 2), unbatched)


def mse(fused: Tensor, ir: Tensor, vis: Tensor) -> Union[float, Tensor]:
    """MSE = (MSE(A, F) + MSE(B, F)) / 2 on images divided by 255.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``.
        ir (Tensor): uint8, same shape (A).
        vis (Tensor): uint8, same shape (B).

    Returns:
        float | Tensor: MSE in [0, 1]; float64 ``[B]`` for batches.
    """
    products, _, num_pixels, unbatched = _triplet_moments(
        fused, ir, vis, 'MSE')
    return metric_output(
        mse_from_moments(products, num_pixels, 0, 1, 2), unbatched)


def psnr(fused: Tensor, ir: Tensor, vis: Tensor) -> Union[float, Tensor]:
    """PSNR as the MATLAB suite reports it: ``20 log10(255 / sqrt(MSE))``.

    ``MSE`` is :func:`mse`, computed on images in [0, 1], so this value is
    ``20 log10(255) ~ 48.13`` dB above :func:`psnr_textbook`. Reported under
    this name because published tables use it.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``.
        ir (Tensor): uint8, same shape (A).
        vis (Tensor): uint8, same shape (B).

    Returns:
        float | Tensor: PSNR in dB, >= 48.13 (inf for MSE 0); float64 ``[B]``
        for batches.
    """
    return _psnr(fused, ir, vis, peak=255.0)


def psnr_textbook(fused: Tensor, ir: Tensor,
                  vis: Tensor) -> Union[float, Tensor]:
    """Textbook PSNR ``10 log10(1 / MSE)`` with peak 1 on images in [0, 1].

    Uses the same averaged MSE as :func:`psnr`.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``.
        ir (Tensor): uint8, same shape (A).
        vis (Tensor): uint8, same shape (B).

    Returns:
        float | Tensor: PSNR in dB, >= 0 (inf for MSE 0); float64 ``[B]``
        for batches.
    """
    return _psnr(fused, ir, vis, peak=1.0)


def _psnr(fused: Tensor, ir: Tensor, vis: Tensor,
          peak: float) -> Union[float, Tensor]:
    products, _, num_pixels, unbatched = _triplet_moments(
        fused, ir, vis, 'PSNR')
    value = psnr_from_mse(
        mse_from_moments(products, num_pixels, 0, 1, 2), peak)
    return metric_output(value, unbatched)
