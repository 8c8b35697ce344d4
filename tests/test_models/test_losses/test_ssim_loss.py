import numpy as np
import pytest
import torch

from mmseg.registry import MODELS
from segmif_mm.evaluation.functional import ssim_index
from segmif_mm.models.losses import SSIMLoss, gaussian_filter, ssim_map


def fspecial_gaussian(size: int, sigma: float) -> np.ndarray:
    """MATLAB ``fspecial('gaussian', size, sigma)``."""
    half = (size - 1) / 2
    yy, xx = np.mgrid[-half:half + 1, -half:half + 1]
    window = np.exp(-(xx**2 + yy**2) / (2 * sigma**2))
    return window / window.sum()


def naive_ssim_at(a: np.ndarray, b: np.ndarray, row: int, col: int,
                  data_range: float) -> float:
    """SSIM of the 11x11 window whose top-left corner is (row, col)."""
    w = fspecial_gaussian(11, 1.5)
    pa, pb = a[row:row + 11, col:col + 11], b[row:row + 11, col:col + 11]
    mu_a, mu_b = (w * pa).sum(), (w * pb).sum()
    var_a = (w * pa * pa).sum() - mu_a**2
    var_b = (w * pb * pb).sum() - mu_b**2
    cov = (w * pa * pb).sum() - mu_a * mu_b
    c1, c2 = (0.01 * data_range)**2, (0.03 * data_range)**2
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2) /
            ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)))


@pytest.mark.parametrize('data_range', [1.0, 255.0])
def test_ssim_map_matches_definition(data_range):
    gen = torch.Generator().manual_seed(0)
    a = torch.rand(1, 1, 16, 20, generator=gen, dtype=torch.float64)
    b = (a + 0.2 *
         torch.rand(1, 1, 16, 20, generator=gen, dtype=torch.float64)).clamp(
             0, 1)
    a, b = a * data_range, b * data_range
    out = ssim_map(a, b, data_range=data_range)
    assert out.shape == (1, 1, 6, 10)
    for row, col in [(0, 0), (3, 7), (5, 9)]:
        expected = naive_ssim_at(a[0, 0].numpy(), b[0, 0].numpy(), row, col,
                                 data_range)
        assert out[0, 0, row, col].item() == pytest.approx(expected, abs=1e-12)
    assert torch.allclose(
        ssim_map(a, a, data_range=data_range), torch.ones_like(out))


def ssim_map_before_sharing(img1, img2, data_range=1.0):
    """The loss's SSIM map as it was computed before the formula moved to
    ``segmif_mm.utils.ssim_from_statistics`` (a training run uses it)."""
    c1 = (0.01 * data_range)**2
    c2 = (0.03 * data_range)**2
    channels = img1.shape[1]
    stats = gaussian_filter(
        torch.cat([img1, img2, img1 * img1, img2 * img2, img1 * img2], dim=1),
        11, 1.5)
    mu1, mu2, e11, e22, e12 = stats.split(channels, dim=1)
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    sigma1_sq = e11 - mu1_sq
    sigma2_sq = e22 - mu2_sq
    sigma12 = e12 - mu12
    return ((2 * mu12 + c1) *
            (2 * sigma12 + c2)) / ((mu1_sq + mu2_sq + c1) *
                                   (sigma1_sq + sigma2_sq + c2))


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_ssim_map_unchanged_by_the_shared_formula(dtype):
    gen = torch.Generator().manual_seed(2)
    a = torch.rand(2, 1, 40, 36, generator=gen, dtype=dtype)
    b = torch.rand(2, 1, 40, 36, generator=gen, dtype=dtype)
    new_a = a.clone().requires_grad_()
    old_a = a.clone().requires_grad_()
    new = ssim_map(new_a, b)
    old = ssim_map_before_sharing(old_a, b)
    assert torch.equal(new, old)  # the same value, bit for bit
    new.mean().backward()
    old.mean().backward()
    # gradients: equal up to the rounding of their accumulation order
    scale = old_a.grad.abs().max().item()
    torch.testing.assert_close(
        new_a.grad, old_a.grad, rtol=1e-5, atol=1e-5 * scale)


def test_loss_and_metric_compute_one_ssim():
    """The fusion metric's SSIM (MATLAB's ssim_index, uint8 in 0-255) and
    the loss's SSIM map on the same images."""
    gen = torch.Generator().manual_seed(3)
    a = torch.randint(0, 256, (30, 34), generator=gen, dtype=torch.uint8)
    b = (a.double() * 0.7 + 40).round().to(torch.uint8)
    loss_ssim = ssim_map(
        a.double()[None, None], b.double()[None, None], data_range=255).mean()
    assert ssim_index(a, b) == pytest.approx(loss_ssim.item(), abs=1e-12)


def test_ssim_loss_zero_for_identical_images():
    img = torch.rand(2, 1, 24, 24)
    loss = SSIMLoss()(img, img.clone(), img.clone())
    assert loss.abs().item() < 1e-6


def wang_ssim_index(a: np.ndarray,
                    b: np.ndarray,
                    data_range: float = 1.0) -> float:
    """Mean SSIM of Wang et al. (IEEE TIP 2004, ``ssim_index.m``): the
    index of every 11x11 Gaussian window (sigma 1.5) inside the image, in
    float64, averaged."""
    rows, cols = a.shape[0] - 10, a.shape[1] - 10
    return float(
        np.mean([
            naive_ssim_at(a, b, row, col, data_range) for row in range(rows)
            for col in range(cols)
        ]))


def asymmetric_triplet(data_range: float = 1.0):
    """A fused image close to the visible one and unlike the infrared one
    (its negative with an offset), two samples of different content."""
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(2, 1, 14, 17, generator=gen, dtype=torch.float64)
    y = (1.2 - x).clamp(0, 1) * torch.linspace(
        0.3, 1.0, 17, dtype=torch.float64)
    u = (x + 0.1 *
         torch.rand(2, 1, 14, 17, generator=gen, dtype=torch.float64)).clamp(
             0, 1)
    u[1] = 0.5 * u[1] + 0.25  # lower contrast in the second sample
    return u * data_range, x * data_range, y * data_range


@pytest.mark.parametrize('data_range,loss_weight', [(1.0, 1.0), (255.0, 2.0)])
def test_ssim_loss_matches_wang_transcription(data_range, loss_weight):
    u, x, y = asymmetric_triplet(data_range)
    loss_module = MODELS.build(
        dict(type='SSIMLoss', data_range=data_range, loss_weight=loss_weight))
    assert loss_module.loss_name == 'loss_ssim'
    loss = loss_module(u, x, y)
    per_sample = []
    for i in range(2):
        ux = wang_ssim_index(u[i, 0].numpy(), x[i, 0].numpy(), data_range)
        uy = wang_ssim_index(u[i, 0].numpy(), y[i, 0].numpy(), data_range)
        per_sample.append((1 - ux) / 2 + (1 - uy) / 2)
        # The pair is asymmetric: u is like x and unlike y.
        assert ux > 0.5 and uy < 0
    assert loss.item() == pytest.approx(
        loss_weight * np.mean(per_sample), rel=1e-10)


def test_ssim_loss_of_constant_images_by_hand():
    """Flat images: no variance, so SSIM is the luminance term
    ``(2ab + C1) / (a^2 + b^2 + C1)`` with C1 = 1e-4."""
    u, x, y = (
        torch.full((1, 1, 12, 13), v, dtype=torch.float64)
        for v in (0.3, 0.8, 0.1))
    ssim_ux = (2 * 0.3 * 0.8 + 1e-4) / (0.3**2 + 0.8**2 + 1e-4)
    ssim_uy = (2 * 0.3 * 0.1 + 1e-4) / (0.3**2 + 0.1**2 + 1e-4)
    expected = (1 - ssim_ux) / 2 + (1 - ssim_uy) / 2
    assert SSIMLoss()(u, x, y).item() == pytest.approx(expected, rel=1e-12)


def test_ssim_loss_gradient_matches_finite_differences():
    u, x, y = (t[:1, :, :12, :12].clone() for t in asymmetric_triplet())
    u.requires_grad_()
    assert torch.autograd.gradcheck(lambda u: SSIMLoss()(u, x, y), (u, ))


def test_ssim_loss_rejects_bad_input():
    loss = SSIMLoss()
    with pytest.raises(ValueError, match='smaller than'):
        loss(*[torch.rand(1, 1, 8, 8)] * 3)
    with pytest.raises(ValueError, match=r'\[B, 1, H, W\]'):
        loss(*[torch.rand(1, 3, 16, 16)] * 3)
    with pytest.raises(ValueError, match='same shape'):
        loss(
            torch.rand(1, 1, 16, 16), torch.rand(1, 1, 16, 16),
            torch.rand(1, 1, 16, 17))
