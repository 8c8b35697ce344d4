"""SaliencyPixelLoss against hand-computed saliency maps and weights.

The expected values never come from the module's own functions: VSM is
transcribed here from its definition (Ma et al. 2017) and evaluated on
images small enough to check by hand.
"""
import numpy as np
import pytest
import torch

from mmseg.registry import MODELS
from segmif_mm.models.losses import SaliencyPixelLoss, visual_saliency_map


def vsm_by_definition(levels: np.ndarray) -> np.ndarray:
    """VSM of an image of integer grey levels: V(p) = sum over all pixels q
    of |I(p) - I(q)|, min-max normalised (0 for a constant image)."""
    flat = levels.reshape(-1).astype(np.float64)
    saliency = np.abs(flat[:, None] - flat[None, :]).sum(1)
    span = saliency.max() - saliency.min()
    saliency = (saliency - saliency.min()) / span if span else 0 * saliency
    return saliency.reshape(levels.shape)


def image(levels) -> torch.Tensor:
    """``[1, 1, H, W]`` float image in [0, 1] of 8-bit levels."""
    return torch.tensor(levels, dtype=torch.float64)[None, None] / 255


def test_vsm_matches_definition_on_a_hand_checked_image():
    levels = np.array([[0, 0, 10], [10, 10, 250]])
    # V(0) = 3*10 + 250 = 280, V(10) = 2*10 + 240 = 260,
    # V(250) = 2*250 + 3*240 = 1220 -> normalised by (1220 - 260)
    expected = np.array([[20, 20, 0], [0, 0, 960]]) / 960
    np.testing.assert_allclose(vsm_by_definition(levels), expected)
    np.testing.assert_allclose(
        visual_saliency_map(image(levels))[0, 0].numpy(), expected)
    rng = np.random.default_rng(0)
    levels = rng.integers(0, 256, (9, 11))
    np.testing.assert_allclose(
        visual_saliency_map(image(levels))[0, 0].numpy(),
        vsm_by_definition(levels),
        atol=1e-12)


def test_more_salient_source_gets_larger_weight():
    # visible: a bright object on a flat dark background (very salient);
    # infrared: a flat image with one faint bump (the bump is salient, the
    # rest not).
    vis = np.full((4, 4), 20)
    vis[1:3, 1:3] = 230
    ir = np.full((4, 4), 100)
    ir[0, 0] = 110
    s_vis, s_ir = vsm_by_definition(vis), vsm_by_definition(ir)
    for rule, m1_expected in (('ma', 0.5 + 0.5 * (s_vis - s_ir)),
                              ('ratio',
                               np.divide(
                                   s_vis,
                                   s_vis + s_ir,
                                   out=np.full_like(s_vis, 0.5),
                                   where=(s_vis + s_ir) > 0))):
        m1, m2 = SaliencyPixelLoss.saliency_weights(
            image(vis), image(ir), rule)
        np.testing.assert_allclose(m1[0, 0].numpy(), m1_expected, atol=1e-12)
        np.testing.assert_allclose((m1 + m2).numpy(), 1)
        # the object is salient in the visible image only: visible wins
        assert (m1[0, 0, 1:3, 1:3] > 0.5).all()
        # the infrared bump is salient in the infrared image only
        assert m2[0, 0, 0, 0] > m1[0, 0, 0, 0]


def test_given_saliency_is_used_and_padding_is_neutral():
    x = image([[0, 255], [0, 0]])
    y = image([[9, 9], [9, 9]])
    saliency = torch.tensor(
        [[[[1.0, 0.0], [0.25, 255.0]], [[0.0, 0.5], [0.75, 255.0]]]],
        dtype=torch.float64)
    m1, _ = SaliencyPixelLoss.saliency_weights(x, y, 'ma', saliency)
    # 0.5 + 0.5 * (S_x - S_y), and 0.5 where the maps mark padding (255)
    expected = torch.tensor([[1.0, 0.25], [0.25, 0.5]], dtype=torch.float64)
    assert torch.equal(m1[0, 0], expected)
    m1, _ = SaliencyPixelLoss.saliency_weights(x, y, 'ratio', saliency)
    expected = torch.tensor([[1.0, 0.0], [0.25, 0.5]], dtype=torch.float64)
    assert torch.equal(m1[0, 0], expected)
    with pytest.raises(ValueError, match=r'\[B, 2, H, W\]'):
        SaliencyPixelLoss.saliency_weights(x, y, 'ma', saliency[:, :1])


def test_weighted_loss_value_by_hand():
    u = image([[100, 100]])
    x = image([[0, 200]])
    y = image([[200, 0]])
    saliency = torch.tensor([[[[1.0, 0.0]], [[0.0, 0.0]]]],
                            dtype=torch.float64)
    # m1 = 0.5 + 0.5 * (S_x - S_y) = (1, 0.5); every squared error is
    # (100/255)^2, so the weighted sum per pixel is (m1 + m2) * e = e
    error = (100 / 255)**2
    loss = SaliencyPixelLoss(loss_weight=3.0)(u, x, y, saliency)
    assert loss.item() == pytest.approx(3.0 * error)
    u = image([[0, 100]])  # pixel 0 now equals x (weight 1): no error
    loss = SaliencyPixelLoss()(u, x, y, saliency)
    assert loss.item() == pytest.approx((0 + error) / 2)


def test_literal_mode_is_paper_formula_by_hand():
    u = image([[100, 100]])
    x = image([[200, 200]])
    y = image([[50, 50]])
    saliency = torch.tensor([[[[1.0, 0.0]], [[0.0, 0.0]]]],
                            dtype=torch.float64)
    # m1 = (1, 0.5), m2 = (0, 0.5): mean((u - m1 x)^2) + mean((u - m2 y)^2)
    first = ((100 - 200)**2 + (100 - 100)**2) / 2 / 255**2
    second = ((100 - 0)**2 + (100 - 25)**2) / 2 / 255**2
    loss = SaliencyPixelLoss(mode='literal')(u, x, y, saliency)
    assert loss.item() == pytest.approx(first + second)
    # unlike the weighted form it is not zero when all images agree
    assert SaliencyPixelLoss(mode='literal')(x, x, x).item() > 0
    assert MODELS.build(dict(type='SaliencyPixelLoss'))(x, x, x).item() == 0


def test_constant_sources_get_even_weights():
    flat = torch.full((1, 1, 6, 6), 0.3)
    for rule in ('ma', 'ratio'):
        m1, m2 = SaliencyPixelLoss.saliency_weights(flat, flat.clone(), rule)
        assert torch.all(m1 == 0.5) and torch.all(m2 == 0.5)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='weighted'):
        SaliencyPixelLoss(mode='mse')
    with pytest.raises(ValueError, match='weight_rule'):
        SaliencyPixelLoss(weight_rule='max')
    with pytest.raises(ValueError, match='rule'):
        SaliencyPixelLoss.saliency_weights(
            image([[0]]), image([[0]]), rule='max')
