import cv2
import numpy as np
import pytest
import torch
from torch import nn

from mmseg.registry import MODELS
from segmif_mm.models.losses import gaussian_filter


def make_inputs(size: int = 20):
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(2, 1, size, size, generator=gen)
    y = torch.rand(2, 1, size, size, generator=gen)
    u = ((x + y) / 2).requires_grad_()
    return u, x, y


@MODELS.register_module(name='RecordingAffineLoss', force=True)
class RecordingAffineLoss(nn.Module):
    """``loss_weight * (a mean(u) + b mean(x) + c mean(y))``: a term whose
    value shows which input went where; records the dtypes it saw and
    whether autocast was on."""

    def __init__(self, coefficients, loss_name, loss_weight=1.0):
        super().__init__()
        self.coefficients = coefficients
        self.loss_name = loss_name
        self.loss_weight = loss_weight
        self.calls = []

    def forward(self, u, x, y, saliency=None):
        self.calls.append(
            dict(
                dtypes=(u.dtype, x.dtype, y.dtype),
                autocast=torch.is_autocast_enabled(u.device.type)))
        self.saliency = saliency
        a, b, c = self.coefficients
        return self.loss_weight * (a * u.mean() + b * x.mean() + c * y.mean())


def affine_fusion_loss(eta):
    return MODELS.build(
        dict(
            type='FusionLoss',
            ssim_cfg=dict(
                type='RecordingAffineLoss',
                coefficients=(1, 10, 100),
                loss_name='loss_ssim'),
            pixel_cfg=dict(
                type='RecordingAffineLoss',
                coefficients=(100, 10, 1),
                loss_name='loss_pixel',
                loss_weight=2.0),
            grad_cfg=dict(
                type='RecordingAffineLoss',
                coefficients=(10, 1, 100),
                loss_name='loss_grad',
                loss_weight=0.5),
            eta=eta))


def tiny_asymmetric_inputs(dtype=torch.float32):
    """u, x, y of 1x1x2x2 with means 0.25, 0.5 and 0.125."""
    u = torch.tensor([[[[0.0, 0.5], [0.25, 0.25]]]], dtype=dtype)
    x = torch.tensor([[[[1.0, 0.0], [0.75, 0.25]]]], dtype=dtype)
    y = torch.tensor([[[[0.5, 0.0], [0.0, 0.0]]]], dtype=dtype)
    return u, x, y


def test_terms_by_hand_and_eta_on_the_gradient_term_only():
    u, x, y = tiny_asymmetric_inputs()
    losses = affine_fusion_loss(eta=4.0)(u, x, y)
    assert list(losses) == ['loss_ssim', 'loss_pixel', 'loss_grad']
    # ssim:  1 * (0.25 + 10 * 0.5 + 100 * 0.125)       = 17.75
    # pixel: 2 * (100 * 0.25 + 10 * 0.5 + 0.125)       = 60.25
    # grad:  4 * 0.5 * (10 * 0.25 + 0.5 + 100 * 0.125) = 31.0
    assert losses['loss_ssim'].item() == pytest.approx(17.75)
    assert losses['loss_pixel'].item() == pytest.approx(60.25)
    assert losses['loss_grad'].item() == pytest.approx(31.0)
    assert affine_fusion_loss(eta=0.0)(u, x, y)['loss_grad'].item() == 0


def test_default_terms_of_flat_images_by_hand():
    """Flat u = 0.3, x = 0.8, y = 0.1: SSIM is its luminance term
    ``(2ab + C1) / (a^2 + b^2 + C1)`` (C1 = 1e-4), neither source is salient
    (equal pixel weights 1/2) and there is no detail to keep. The terms are
    computed in float32, whose rounding of the Gaussian window's sum limits
    the agreement to about 1e-4."""
    u, x, y = (torch.full((2, 1, 16, 16), v) for v in (0.3, 0.8, 0.1))
    losses = MODELS.build(dict(type='FusionLoss', eta=3.0))(u, x, y)
    ssim_ux = (2 * 0.3 * 0.8 + 1e-4) / (0.3**2 + 0.8**2 + 1e-4)
    ssim_uy = (2 * 0.3 * 0.1 + 1e-4) / (0.3**2 + 0.1**2 + 1e-4)
    assert losses['loss_ssim'].item() == pytest.approx(
        (1 - ssim_ux) / 2 + (1 - ssim_uy) / 2, rel=2e-4)
    assert losses['loss_pixel'].item() == pytest.approx(
        ((0.3 - 0.8)**2 + (0.3 - 0.1)**2) / 2, rel=2e-4)
    assert losses['loss_grad'].item() == pytest.approx(0, abs=1e-7)
    same = MODELS.build(dict(type='FusionLoss'))(x, x, x)
    assert all(value.item() == pytest.approx(0, abs=1e-6)
               for value in same.values())


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_terms_run_in_float32_without_autocast(dtype):
    fusion_loss = affine_fusion_loss(eta=4.0)
    u, x, y = tiny_asymmetric_inputs(dtype)
    with torch.autocast('cpu', dtype=dtype):
        losses = fusion_loss(u, x, y)
    for term in (fusion_loss.loss_ssim, fusion_loss.loss_pixel,
                 fusion_loss.loss_grad):
        assert term.calls == [
            dict(dtypes=(torch.float32, ) * 3, autocast=False)
        ]
    assert losses['loss_grad'].dtype == torch.float32
    assert losses['loss_grad'].item() == pytest.approx(31.0)


def test_bad_configuration_and_input():
    with pytest.raises(ValueError, match='eta'):
        MODELS.build(dict(type='FusionLoss', eta=-1))
    with pytest.raises(ValueError, match='loss_name'):
        MODELS.build(
            dict(
                type='FusionLoss',
                grad_cfg=dict(
                    type='GradientDetailLoss', loss_name='loss_ssim')))
    u, x, y = make_inputs()
    with pytest.raises(ValueError, match='same shape'):
        MODELS.build(dict(type='FusionLoss'))(u, x, y[..., :-1])


def test_real_pair_orders_candidate_fusions(real_data):
    vis_path = real_data / 'msrs_objects' / 'vi' / '00003N.png'
    ir_path = real_data / 'msrs_objects' / 'ir' / '00003N.png'
    vis = cv2.imread(str(vis_path), cv2.IMREAD_GRAYSCALE)[200:296, 300:396]
    ir = cv2.imread(str(ir_path), cv2.IMREAD_GRAYSCALE)[200:296, 300:396]
    x = torch.from_numpy(vis.astype(np.float32) / 255)[None, None]
    y = torch.from_numpy(ir.astype(np.float32) / 255)[None, None]
    fusion_loss = MODELS.build(dict(type='FusionLoss'))
    fusion_loss = MODELS.build(dict(type='FusionLoss'))
    candidates = dict(
        vis=x,
        ir=y,
        average=(x + y) / 2,
        vis_blurred=gaussian_filter(x, 7, 2.0, padding='reflect'),
        grey=torch.full_like(x, 0.5),
        black=torch.zeros_like(x))
    losses = {name: fusion_loss(u, x, y) for name, u in candidates.items()}
    total = {
        name: sum(terms.values()).item()
        for name, terms in losses.items()
    }
    assert all(np.isfinite(value) for value in total.values())
    # Blurring removes the details the gradient loss asks for.
    assert (losses['vis_blurred']['loss_grad'] > losses['vis']['loss_grad'])
    # Averaging the sources beats a structureless image.
    assert total['average'] < min(total['grey'], total['black'])


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_float32_under_mixed_precision(dtype):
    """Dark, nearly flat images: SSIM's denominators are ~1e-7, below
    float16's normal range. The loss must equal the float32 loss of the same
    values, with finite gradients, whatever autocast or input dtype."""
    gen = torch.Generator().manual_seed(0)
    x, y, u = (0.01 + 0.002 * torch.rand(2, 1, 24, 24, generator=gen)
               for _ in range(3))
    x, y, u = x.to(dtype), y.to(dtype), u.to(dtype)
    fusion_loss = MODELS.build(dict(type='FusionLoss'))
    u32 = u.float().requires_grad_()
    expected = fusion_loss(u32, x.float(), y.float())
    sum(expected.values()).backward()

    u_low = u.clone().requires_grad_()
    with torch.autocast('cpu', dtype=dtype):
        losses = fusion_loss(u_low, x, y)
    sum(losses.values()).backward()
    for name, value in losses.items():
        assert value.dtype == torch.float32, name
        torch.testing.assert_close(value, expected[name], msg=name)
    assert torch.isfinite(u_low.grad).all()
    torch.testing.assert_close(
        u_low.grad.float(), u32.grad, rtol=1e-2, atol=1e-6)
