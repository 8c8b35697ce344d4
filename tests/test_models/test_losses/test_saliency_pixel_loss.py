import pytest
import torch

from mmseg.registry import MODELS
from segmif_mm.models.losses import SaliencyPixelLoss, visual_saliency_map


def make_sources(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(2, 1, 12, 10, generator=gen)
    y = torch.rand(2, 1, 12, 10, generator=gen)
    return x, y


def test_ratio_weights_follow_vsm():
    x, y = make_sources()
    m1, m2 = SaliencyPixelLoss.saliency_weights(x, y, rule='ratio')
    s_x, s_y = visual_saliency_map(x), visual_saliency_map(y)
    valid = (s_x + s_y) > 0
    assert torch.allclose(m1[valid], (s_x / (s_x + s_y))[valid])
    assert torch.equal(m1 + m2, torch.ones_like(m1))
    assert m1.min() >= 0 and m1.max() <= 1
    # Constant sources have zero saliency everywhere: equal weights.
    flat = torch.full((1, 1, 6, 6), 0.3)
    m1, m2 = SaliencyPixelLoss.saliency_weights(flat, flat.clone(), 'ratio')
    assert torch.all(m1 == 0.5) and torch.all(m2 == 0.5)


def test_ma_weights_are_ma_rule():
    x, y = make_sources()
    m1, m2 = SaliencyPixelLoss.saliency_weights(x, y)  # 'ma' by default
    s_x, s_y = visual_saliency_map(x), visual_saliency_map(y)
    assert torch.allclose(m1, 0.5 + 0.5 * (s_x - s_y))
    assert torch.allclose(m1 + m2, torch.ones_like(m1))
    # A pixel salient in neither source gets an even mix, where the ratio
    # would be undefined.
    x = torch.zeros(1, 1, 4, 4)
    x[..., 0, 0] = 1  # one bright pixel: the rest has saliency 0
    m1, _ = SaliencyPixelLoss.saliency_weights(x, x.clone())
    assert torch.all(m1 == 0.5)


def test_rules_differ_in_loss_and_module_uses_its_rule():
    x, y = make_sources(3)
    u = torch.rand_like(x)
    for rule in ('ma', 'ratio'):
        m1, m2 = SaliencyPixelLoss.saliency_weights(x, y, rule)
        expected = (m1 * (u - x)**2 + m2 * (u - y)**2).mean()
        loss = SaliencyPixelLoss(weight_rule=rule)(u, x, y)
        assert torch.allclose(loss, expected)
    assert not torch.allclose(
        SaliencyPixelLoss(weight_rule='ma')(u, x, y),
        SaliencyPixelLoss(weight_rule='ratio')(u, x, y))


def test_weighted_loss_zero_only_when_fused_matches():
    x, _ = make_sources()
    loss = MODELS.build(dict(type='SaliencyPixelLoss'))
    assert loss.loss_name == 'loss_pixel'
    assert loss(x, x.clone(), x.clone()).item() == 0
    assert loss(x * 0.5, x, x).item() > 0


def test_weighted_loss_value_and_minimiser_between_sources():
    x, y = make_sources(1)
    loss_module = SaliencyPixelLoss(loss_weight=3.0)
    m1, m2 = loss_module.saliency_weights(x, y)
    u = torch.rand_like(x).requires_grad_()
    loss = loss_module(u, x, y)
    expected = 3.0 * (m1 * (u - x)**2 + m2 * (u - y)**2).mean()
    assert torch.allclose(loss, expected)

    optimizer = torch.optim.LBFGS([u], lr=1, max_iter=50)

    def closure():
        optimizer.zero_grad()
        value = loss_module(u, x, y)
        value.backward()
        return value

    optimizer.step(closure)
    u = u.detach()
    assert torch.all(u >= torch.minimum(x, y) - 1e-4)
    assert torch.all(u <= torch.maximum(x, y) + 1e-4)
    assert torch.allclose(u, m1 * x + m2 * y, atol=1e-4)


def test_literal_mode_is_paper_formula():
    x, y = make_sources(2)
    u = torch.rand_like(x).requires_grad_()
    loss = SaliencyPixelLoss(mode='literal')(u, x, y)
    m1, m2 = SaliencyPixelLoss.saliency_weights(x, y)
    expected = ((u - m1 * x)**2).mean() + ((u - m2 * y)**2).mean()
    assert torch.allclose(loss, expected)
    loss.backward()
    assert u.grad.abs().sum() > 0
    # Unlike the weighted form it is not zero when all images agree.
    assert SaliencyPixelLoss(mode='literal')(x, x, x).item() > 0


def test_bad_mode_raises():
    with pytest.raises(ValueError, match='weighted'):
        SaliencyPixelLoss(mode='mse')
    with pytest.raises(ValueError, match='weight_rule'):
        SaliencyPixelLoss(weight_rule='max')
    with pytest.raises(ValueError, match='rule'):
        SaliencyPixelLoss.saliency_weights(*make_sources(), rule='max')
