import cv2
import numpy as np
import pytest
import torch

from mmseg.registry import MODELS
from segmif_mm.models.losses import GradientDetailLoss, gaussian_filter


def test_sigma_rule():
    sigmas = [GradientDetailLoss.sigma_for_size(k) for k in (3, 5, 7)]
    assert sigmas == pytest.approx([0.8, 1.1, 1.4])


@pytest.mark.parametrize('k', [3, 5, 7])
def test_detail_matches_opencv(k):
    img = np.random.default_rng(k).random((13, 17)).astype(np.float32)
    sigma = GradientDetailLoss.sigma_for_size(k)
    blurred = cv2.GaussianBlur(
        img, (k, k), sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101)
    detail = GradientDetailLoss().detail(torch.from_numpy(img)[None, None],
                                         k)[0, 0].numpy()
    np.testing.assert_allclose(detail, img - blurred, atol=1e-6)


@pytest.mark.parametrize('max_mode', ['magnitude', 'signed'])
def test_zero_for_matching_images(max_mode):
    loss = GradientDetailLoss(max_mode=max_mode)
    flat = torch.full((1, 1, 16, 16), 0.7)
    assert loss(flat, flat, flat * 0.5).item() == pytest.approx(0, abs=1e-12)
    img = torch.rand(2, 1, 16, 16)
    assert loss(img, img.clone(), img.clone()).item() == pytest.approx(
        0, abs=1e-12)


def test_positive_for_blurred_fusion_and_differentiable():
    img = torch.rand(1, 1, 24, 24)
    u = gaussian_filter(img, 5, 1.5, padding='reflect').requires_grad_()
    loss_module = MODELS.build(dict(type='GradientDetailLoss'))
    assert loss_module.loss_name == 'loss_grad'
    loss = loss_module(u, img, img)
    assert loss.item() > 1e-3
    loss.backward()
    assert u.grad.abs().sum() > 0


def test_magnitude_max_keeps_strong_negative_detail():
    # x is flat (no detail), y is textured: the strongest detail is y's
    # everywhere, with both signs.
    y = torch.rand(1, 1, 20, 20)
    x = torch.full_like(y, 0.5)
    assert GradientDetailLoss(max_mode='magnitude')(y, x, y).item() == \
        pytest.approx(0, abs=1e-12)
    # The signed maximum replaces y's negative detail by x's zero detail.
    signed = GradientDetailLoss(max_mode='signed')
    assert signed(y, x, y).item() > 1e-3
    loss = GradientDetailLoss(kernel_sizes=(3, ), loss_weight=2.0)
    detail_y = loss.detail(y, 3)
    u = torch.zeros_like(y)
    assert torch.allclose(loss(u, x, y), 2.0 * (detail_y**2).mean())


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='max_mode'):
        GradientDetailLoss(max_mode='abs')
    with pytest.raises(ValueError, match='odd'):
        GradientDetailLoss(kernel_sizes=(3, 4))
    with pytest.raises(ValueError, match='too small'):
        GradientDetailLoss()(*[torch.rand(1, 1, 3, 3)] * 3)
