"""The structural similarity formula, shared by the SSIM loss and the SSIM
fusion metric."""
from torch import Tensor

#: Stabiliser constants of Wang et al. (2004), K1 and K2.
SSIM_K1 = 0.01
SSIM_K2 = 0.03


def ssim_from_statistics(mu_x: Tensor,
                         mu_y: Tensor,
                         var_x: Tensor,
                         var_y: Tensor,
                         cov: Tensor,
                         data_range: float,
                         k1: float = SSIM_K1,
                         k2: float = SSIM_K2) -> Tensor:
    """SSIM of Wang et al. (IEEE TIP 2004) from local statistics.

    .. math::

        SSIM = \\frac{(2\\mu_x\\mu_y + C_1)(2\\sigma_{xy} + C_2)}
                     {(\\mu_x^2 + \\mu_y^2 + C_1)(\\sigma_x^2 + \\sigma_y^2
                     + C_2)},
        \\quad C_1 = (k_1 L)^2, \\; C_2 = (k_2 L)^2

    The statistics come from a Gaussian window over each pixel; how they
    are filtered is the caller's (the loss filters differentiably in the
    training precision, the metric in float64 as MATLAB's ``filter2``).
    Differentiable; the inputs are not modified. The statistics of y may
    broadcast to those of x, so several images can be compared with one
    (``mu_y`` ``[B, 1, ...]`` against ``mu_x`` ``[B, K, ...]``).

    Args:
        mu_x (Tensor): Local means of x, any shape, values in ``[0, L]``.
        mu_y (Tensor): Local means of y, of ``mu_x``'s shape or
            broadcastable to it.
        var_x (Tensor): Local (biased) variances of x, shaped as ``mu_x``.
        var_y (Tensor): Local variances of y, shaped as ``mu_y``.
        cov (Tensor): Local covariances of x and y, shaped as ``mu_x``.
        data_range (float): Dynamic range L of the images: 1 for
            ``[0, 1]`` images, 255 for 8-bit values.
        k1 (float): Luminance stabiliser. Defaults to 0.01.
        k2 (float): Contrast stabiliser. Defaults to 0.03.

    Returns:
        Tensor: The SSIM map, shaped as ``mu_x``, values in ``[-1, 1]``, 1
        where the images agree.
    """
    c1 = (k1 * data_range)**2
    c2 = (k2 * data_range)**2
    # Fresh temporaries are updated in place (autograd keeps what their
    # backward needs), which keeps the image-sized float64 maps of the
    # metric few.
    luminance = (mu_x * mu_y).mul_(2).add_(c1)
    contrast = (cov * 2).add_(c2)
    luminance_norm = (mu_x * mu_x).add_(mu_y * mu_y).add_(c1)
    contrast_norm = (var_x + var_y).add_(c2)
    return luminance.mul_(contrast).div_(luminance_norm.mul_(contrast_norm))
