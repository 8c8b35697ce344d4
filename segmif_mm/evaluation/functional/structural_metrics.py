"""Structural fusion metrics: SSIM, VIF and Qabf.

All work on uint8 grey images as float64 in 0-255 and follow the MATLAB
code the fusion literature evaluates with. Their 2-D Gaussian windows are
the outer products of :func:`segmif_mm.utils.gaussian_kernel1d` with
itself, which equal MATLAB's ``fspecial('gaussian', N, sigma)`` because
``fspecial`` truncates no entry of the windows used here; the SSIM formula
is :func:`segmif_mm.utils.ssim_from_statistics`, shared with the SSIM loss.

* SSIM: ``ssim_index.m`` of Wang et al. (2004): 11 x 11 Gaussian window
  (sigma 1.5), ``filter2(..., 'valid')``, K1 0.01, K2 0.03, L 255, mean of
  the SSIM map, no automatic down-sampling (the later ``ssim.m`` shrinks
  images by ``round(min(H, W) / 256)`` first; that variant is not used).
* VIF: ``vifp_mscale.m`` of Sheikh and Bovik (pixel-domain VIF): 4 scales,
  window size ``N = 2^(5 - s) + 1`` with sigma ``N / 5``, 'valid' filtering,
  from scale 2 on the image is filtered with that scale's window and
  down-sampled by 2 first, sigma_n^2 = 2, the suite's thresholds at 1e-10;
  numerator and denominator are summed over the 4 scales and divided once
  at the end. A scale whose 'valid' output is empty (images under 41
  pixels) adds nothing, as in MATLAB.
* Qabf: ``analysis_Qabf.m`` (Xydeas and Petrovic, as edited by R. Hong),
  including its rule that the relative strength is ``gF`` (not 1) where
  ``gA == gF``. The suite's wrapper sometimes passes images scaled to
  [0, 1]; here the images are in 0-255 as in the original
  ``analysis_Qabf.m`` and VIFB, which only matters for that equality rule.
"""
import math
from typing import Optional, Tuple, Union

import torch
from torch import Tensor

from segmif_mm.utils import gaussian_kernel1d, ssim_from_statistics
from .conversion import check_grey_images, metric_output
from .filtering import filter_valid, filter_valid_unordered, sobel_conv2_same

SSIM_WINDOW_SIZE = 11
SSIM_SIGMA = 1.5
VIF_SCALES = 4
VIF_MIN_SIZE = 2**VIF_SCALES + 1
_VIF_EPS = 1e-10


def moment_stack(images: Tensor) -> Tensor:
    """Maps whose local means give local means, variances and covariances.

    Args:
        images (Tensor): ``[B, K, H, W]``, uint8 or float64: ``K - 1``
            sources and, last, the image they are compared with.

    Returns:
        Tensor: float64 ``[B, 3K - 1, H, W]``: the images, their squares and
        each source times the last image (``[:, :K]`` is the float64 copy of
        ``images``).
    """
    num_images = images.shape[1]
    stack = images.new_empty(
        images.shape[:1] + (3 * num_images - 1, ) + images.shape[2:],
        dtype=torch.float64)
    floats = stack[:, :num_images]
    floats.copy_(images)
    torch.mul(floats, floats, out=stack[:, num_images:2 * num_images])
    torch.mul(floats[:, :-1], floats[:, -1:], out=stack[:, 2 * num_images:])
    return stack


def local_statistics(filtered: Tensor, num_images: int) -> Tuple[Tensor, ...]:
    """Local means, variances and covariances from filtered moment maps.

    Args:
        filtered (Tensor): ``[B, 3K - 1, ...]`` filtered
            :func:`moment_stack` (any pixel layout).
        num_images (int): ``K``.

    Returns:
        tuple[Tensor, ...]: ``mu_s, mu_t, var_s, var_t, cov``: means and
        variances of the ``K - 1`` sources (``[B, K - 1, ...]``) and of the
        last image (``[B, 1, ...]``), and the covariances of each source
        with the last image (``[B, K - 1, ...]``).
    """
    means = filtered[:, :num_images]
    variances = torch.addcmul(
        filtered[:, num_images:2 * num_images], means, means, value=-1)
    mu_s, mu_t = means[:, :-1], means[:, -1:]
    cov = torch.addcmul(filtered[:, 2 * num_images:], mu_s, mu_t, value=-1)
    return mu_s, mu_t, variances[:, :-1], variances[:, -1:], cov


def ssim_against_last(images: Tensor,
                      moments: Optional[Tensor] = None) -> Tensor:
    """Mean SSIM of each image with the last one, Wang's ``ssim_index.m``.

    Args:
        images (Tensor): float64 ``[B, K, H, W]`` in 0-255, H, W >= 11.
        moments (Tensor, optional): :func:`moment_stack` of ``images`` if
            already computed. Defaults to None.

    Returns:
        Tensor: ``[B, K - 1]`` SSIM in [-1, 1].
    """
    if moments is None:
        moments = moment_stack(images)
    kernel = gaussian_kernel1d(
        SSIM_WINDOW_SIZE, SSIM_SIGMA, torch.float64, device=images.device)
    filtered, valid = filter_valid_unordered(moments, kernel)
    mu_s, mu_t, var_s, var_t, cov = local_statistics(filtered, images.shape[1])
    ssim_map = ssim_from_statistics(mu_s, mu_t, var_s, var_t, cov, 255)
    return _masked_sum(ssim_map, valid) / valid.sum()


def _masked_sum(values: Tensor, valid: Tensor) -> Tensor:
    """Sum of ``values[..., P]`` over the positions where ``valid[P]``
    (bool, or 0/1 in the dtype of ``values``).

    A matrix-vector product with the 0/1 mask: one pass, no temporary.
    """
    return values @ valid.to(values.dtype)


def _vif_terms(var_ref: Tensor, var_dist: Tensor, cov: Tensor, valid: Tensor,
               noise_var: float) -> Tuple[Tensor, Tensor]:
    """Summed numerator and denominator terms of one ``vifp_mscale`` scale.

    The suite's sequence of threshold assignments amounts to: ``var_ref``
    below eps (including negative values) becomes 0, so the pixel adds 0
    to both sums; the gain ``g = cov / (var_ref + eps)`` becomes 0 where it
    is negative or ``var_dist < eps`` (so the pixel adds 0 to the
    numerator); the residual ``sv = var_dist - g cov`` is at least eps.
    The inputs (fresh statistics) are overwritten.
    """
    var_ref.masked_fill_(var_ref < _VIF_EPS, 0)
    var_dist.clamp_(min=0)
    gain = var_ref.add(_VIF_EPS)
    torch.div(cov, gain, out=gain)
    residual = torch.addcmul(var_dist, gain, cov, value=-1, out=cov)
    residual.clamp_(min=_VIF_EPS).add_(noise_var)
    gain.clamp_(min=0).masked_fill_(var_dist < _VIF_EPS, 0)
    # log10(1 + g^2 var_ref / (sv + noise_var)), log10(1 + var_ref / noise),
    # as natural log1p summed first and divided by ln 10 once.
    num = gain.square_().mul_(var_ref).div_(residual).log1p_()
    den = var_ref.mul_(1 / noise_var).log1p_()
    valid = valid.to(num.dtype)
    return (_masked_sum(num, valid) / math.log(10),
            _masked_sum(den, valid) / math.log(10))


def vif_against_last(images: Tensor,
                     moments: Optional[Tensor] = None,
                     noise_var: float = 2.0) -> Tensor:
    """Multi-scale pixel-domain VIF of the last image against each source.

    Args:
        images (Tensor): float64 ``[B, K, H, W]`` in 0-255, H, W >= 17:
            ``K - 1`` references, then the distorted (fused) image.
        moments (Tensor, optional): :func:`moment_stack` of ``images``
            (scale 1) if already computed. Defaults to None.
        noise_var (float): sigma_n^2. Defaults to 2.0.

    Returns:
        Tensor: ``[B, K - 1]`` VIF >= 0 (1 for identical images).
    """
    num_images = images.shape[1]
    num = den = 0
    for scale in range(1, VIF_SCALES + 1):
        size = 2**(VIF_SCALES + 1 - scale) + 1
        kernel = gaussian_kernel1d(
            size, size / 5, torch.float64, device=images.device)
        if scale > 1:
            images = filter_valid(images, kernel, stride=2)
            moments = None
        if min(images.shape[-2:]) < size:
            break  # MATLAB: empty 'valid' outputs add nothing.
        if moments is None:
            moments = moment_stack(images)
        filtered, valid = filter_valid_unordered(moments, kernel)
        _, _, var_ref, var_dist, cov = local_statistics(filtered, num_images)
        scale_num, scale_den = _vif_terms(var_ref, var_dist, cov, valid,
                                          noise_var)
        num, den = num + scale_num, den + scale_den
    return num / den


def qabf_against_last(grad_x: Tensor,
                      grad_y: Tensor,
                      exponent: float = 1.0) -> Tensor:
    """Qabf from Sobel responses of the sources and, last, the fused image.

    Args:
        grad_x (Tensor): ``[B, K, H, W]`` integer-valued horizontal Sobel
            responses (:func:`sobel_conv2_same` of integer images), any
            dtype.
        grad_y (Tensor): ``[B, K, H, W]`` integer-valued vertical Sobel
            responses.
        exponent (float): ``L``, edge strength weights are ``g ** L``.
            Defaults to 1.0.

    Returns:
        Tensor: ``[B]`` Qabf in [0, 1].
    """
    grad_x = grad_x.to(torch.float64)
    grad_y = grad_y.to(torch.float64)
    # gx^2 + gy^2 of integers is exact in float64: equal strengths compare
    # equal, and the square root is rounded once, as MATLAB's
    # sqrt(SAx.^2 + SAy.^2). Temporaries are reused in place.
    squared = torch.addcmul(grad_x * grad_x, grad_y, grad_y)
    vertical = grad_x == 0
    angle = grad_y.div_(grad_x).atan_().masked_fill_(vertical, math.pi / 2)
    strength = torch.sqrt(squared, out=grad_x)
    strength_s, strength_f = strength[:, :-1], strength[:, -1:]
    # gF / gS or gS / gF, whichever is <= 1; the suite takes gF if equal.
    relative = torch.minimum(strength_s, strength_f).div_(
        torch.maximum(strength_s, strength_f))
    relative = torch.where(
        squared[:, :-1] == squared[:, -1:], strength_f, relative, out=relative)
    # Qg = Tg / (1 + exp(kg (G - Dg))), Qa = Ta / (1 + exp(ka (A - Da)))
    # with A = 1 - |aS - aF| / (pi / 2), i.e. ka (A - Da) =
    # -22 (0.2 - |aS - aF| * 2 / pi).
    strength_term = relative.mul_(15).sub_(7.5).sigmoid_()
    angle_term = (angle[:, :-1] - angle[:, -1:]).abs_().mul_(
        -44 / math.pi).add_(22 * 0.2).sigmoid_()
    weight = strength_s if exponent == 1 else strength_s**exponent
    preserved = strength_term.mul_(angle_term).flatten(1)
    weight = weight.flatten(1)
    # sum(Q w) / sum(w), the numerator as one dot product per image.
    weighted = (preserved.unsqueeze(1) @ weight.unsqueeze(2)).view(-1)
    return weighted * (0.9994 * 0.9879) / weight.sum(1)


def _float_stack(*images: Tensor) -> Tensor:
    """uint8 ``[B, H, W]`` images as float64 ``[B, K, H, W]``."""
    return torch.stack(images, 1).to(torch.float64)


def ssim_index(x: Tensor, y: Tensor) -> Union[float, Tensor]:
    """SSIM of one pair of images (Wang et al., see the module docstring).

    Args:
        x (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``, H, W >= 11.
        y (Tensor): uint8, same shape.

    Returns:
        float | Tensor: SSIM in [-1, 1], 1 for identical images; float64
        ``[B]`` for batches.
    """
    (x, y), unbatched = check_grey_images(
        min_size=SSIM_WINDOW_SIZE, metric='SSIM', x=x, y=y)
    return metric_output(
        ssim_against_last(_float_stack(x, y))[:, 0], unbatched)


def ssim(fused: Tensor, ir: Tensor, vis: Tensor) -> Union[float, Tensor]:
    """SSIM = SSIM(A, F) + SSIM(B, F), the sum most fusion tables report.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``, H, W >= 11.
        ir (Tensor): uint8, same shape (A).
        vis (Tensor): uint8, same shape (B).

    Returns:
        float | Tensor: SSIM sum in [-2, 2] (2 when F = A = B); float64
        ``[B]`` for batches.
    """
    (fused, ir, vis), unbatched = check_grey_images(
        min_size=SSIM_WINDOW_SIZE, metric='SSIM', fused=fused, ir=ir, vis=vis)
    value = ssim_against_last(_float_stack(ir, vis, fused))
    return metric_output(value.sum(1), unbatched)


def vifp(ref: Tensor, dist: Tensor) -> Union[float, Tensor]:
    """Pixel-domain VIF of ``dist`` against reference ``ref``.

    Args:
        ref (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``, H, W >= 17.
        dist (Tensor): uint8, same shape.

    Returns:
        float | Tensor: VIF >= 0, 1 for identical images (NaN for a
        constant reference); float64 ``[B]`` for batches.
    """
    (ref, dist), unbatched = check_grey_images(
        min_size=VIF_MIN_SIZE, metric='VIF', ref=ref, dist=dist)
    return metric_output(
        vif_against_last(_float_stack(ref, dist))[:, 0], unbatched)


def vif(fused: Tensor, ir: Tensor, vis: Tensor) -> Union[float, Tensor]:
    """VIF = VIF(A, F) + VIF(B, F), sources as references.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``, H, W >= 17.
        ir (Tensor): uint8, same shape (A).
        vis (Tensor): uint8, same shape (B).

    Returns:
        float | Tensor: VIF sum >= 0 (2 when F = A = B); float64 ``[B]``
        for batches.
    """
    (fused, ir, vis), unbatched = check_grey_images(
        min_size=VIF_MIN_SIZE, metric='VIF', fused=fused, ir=ir, vis=vis)
    value = vif_against_last(_float_stack(ir, vis, fused))
    return metric_output(value.sum(1), unbatched)


def qabf(fused: Tensor,
         ir: Tensor,
         vis: Tensor,
         exponent: float = 1.0) -> Union[float, Tensor]:
    """Qabf: edge information transferred from A and B to F.

    Sobel responses by ``conv2(..., 'same')`` with zero padding, strength
    ``g = sqrt(gx^2 + gy^2)``, orientation ``atan(gy / gx)`` (pi/2 where
    ``gx = 0``), relative strength ``min(gS/gF, gF/gS)`` (``gF`` where they
    are equal, as the suite does), orientation preservation
    ``1 - |aS - aF| / (pi/2)``, sigmoids with Tg 0.9994, kg -15, Dg 0.5,
    Ta 0.9879, ka -22, Da 0.8, and the result
    ``sum(Q_AF gA^L + Q_BF gB^L) / sum(gA^L + gB^L)``.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``.
        ir (Tensor): uint8, same shape (A).
        vis (Tensor): uint8, same shape (B).
        exponent (float): ``L``. Defaults to 1.0 (the suite's value).

    Returns:
        float | Tensor: Qabf in [0, 1] (NaN if both sources are constant);
        float64 ``[B]`` for batches.
    """
    (fused, ir, vis), unbatched = check_grey_images(
        metric='Qabf', fused=fused, ir=ir, vis=vis)
    grad_x, grad_y = sobel_conv2_same(
        torch.stack([ir, vis, fused], 1).to(torch.int32))
    return metric_output(
        qabf_against_last(grad_x, grad_y, exponent), unbatched)
