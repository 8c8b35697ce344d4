import cv2
import numpy as np
import pytest
import torch

from mmseg.registry import MODELS
from segmif_mm.models.losses import (GradientDetailLoss, SaliencyPixelLoss,
                                     SSIMLoss, gaussian_filter)


def make_inputs(size: int = 20):
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(2, 1, size, size, generator=gen)
    y = torch.rand(2, 1, size, size, generator=gen)
    u = ((x + y) / 2).requires_grad_()
    return u, x, y


def test_keys_values_and_eta():
    u, x, y = make_inputs()
    fusion_loss = MODELS.build(dict(type='FusionLoss', eta=2.5))
    losses = fusion_loss(u, x, y)
    assert set(losses) == {'loss_ssim', 'loss_pixel', 'loss_grad'}
    assert torch.allclose(losses['loss_ssim'], SSIMLoss()(u, x, y))
    assert torch.allclose(losses['loss_pixel'], SaliencyPixelLoss()(u, x, y))
    assert torch.allclose(losses['loss_grad'],
                          2.5 * GradientDetailLoss()(u, x, y))
    assert all(value.item() > 0 for value in losses.values())
    sum(losses.values()).backward()
    assert u.grad.abs().sum() > 0


def test_sub_configs_and_zero_loss():
    u, x, y = make_inputs()
    fusion_loss = MODELS.build(
        dict(
            type='FusionLoss',
            pixel_cfg=dict(type='SaliencyPixelLoss', mode='literal'),
            grad_cfg=dict(type='GradientDetailLoss', kernel_sizes=(3, )),
            eta=0.0))
    losses = fusion_loss(u, x, y)
    assert torch.allclose(losses['loss_pixel'],
                          SaliencyPixelLoss(mode='literal')(u, x, y))
    assert losses['loss_grad'].item() == 0
    same = MODELS.build(dict(type='FusionLoss'))(x, x, x)
    assert all(value.item() == pytest.approx(0, abs=1e-6)
               for value in same.values())


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
    m1, m2 = SaliencyPixelLoss.saliency_weights(x, y)
    candidates = dict(
        vis=x,
        ir=y,
        average=(x + y) / 2,
        saliency_weighted=m1 * x + m2 * y,
        vis_blurred=gaussian_filter(x, 7, 2.0, padding='reflect'),
        grey=torch.full_like(x, 0.5),
        black=torch.zeros_like(x))
    losses = {name: fusion_loss(u, x, y) for name, u in candidates.items()}
    total = {
        name: sum(terms.values()).item()
        for name, terms in losses.items()
    }
    assert all(np.isfinite(value) for value in total.values())
    # The saliency-weighted mix minimises the pixel loss pixel by pixel.
    pixel = {
        name: terms['loss_pixel'].item()
        for name, terms in losses.items()
    }
    assert pixel['saliency_weighted'] == min(pixel.values())
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
