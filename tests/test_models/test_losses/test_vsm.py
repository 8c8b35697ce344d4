import numpy as np
import pytest
import torch

from segmif_mm.models.losses import visual_saliency_map


def naive_vsm(levels: np.ndarray) -> np.ndarray:
    """Ma et al.'s definition, pixel pair by pixel pair, without histogram."""
    flat = levels.astype(np.int64).ravel().tolist()
    saliency = np.array([sum(abs(p - q) for q in flat) for p in flat],
                        dtype=np.float64)
    span = saliency.max() - saliency.min()
    if span == 0:
        return np.zeros(levels.shape)
    return ((saliency - saliency.min()) / span).reshape(levels.shape)


def test_vsm_equals_definition_exactly():
    first = np.array([[0, 10, 10, 255, 128], [128, 128, 3, 77, 200],
                      [0, 0, 254, 255, 90], [10, 11, 12, 13, 14]],
                     dtype=np.uint8)
    rng = np.random.default_rng(0)
    second = rng.integers(0, 256, size=first.shape, dtype=np.uint8)
    constant = np.full(first.shape, 42, dtype=np.uint8)
    levels = np.stack([first, second, constant])[:, None]
    img = torch.from_numpy(levels).double() / 255

    saliency = visual_saliency_map(img)

    expected = np.stack([naive_vsm(lv[0]) for lv in levels])[:, None]
    assert saliency.dtype == torch.float64
    assert torch.equal(saliency, torch.from_numpy(expected))
    # The most isolated grey level (255 among mostly dark pixels) is the most
    # salient one, the constant image has no salient pixel.
    assert saliency[0, 0, 0, 3] == 1
    assert torch.all(saliency[2] == 0)


def test_vsm_quantises_and_keeps_dtype():
    levels = torch.tensor([[0., 10., 200.], [200., 200., 60.]])
    exact = (levels / 255).view(1, 1, 2, 3)
    # Off-grid values round to the nearest 8-bit level; out-of-range clamps.
    noisy = exact + torch.tensor([[0.3, -0.3, 0.4], [0., 0.2, -0.4]]) / 255
    noisy[0, 0, 0, 0] = -0.5
    out = visual_saliency_map(noisy)
    assert out.dtype == torch.float32
    assert out.shape == (1, 1, 2, 3)
    assert torch.equal(out, visual_saliency_map(exact))
    assert out.min() == 0 and out.max() == 1


def test_vsm_channels_are_independent_and_no_grad():
    img = torch.rand(2, 3, 8, 9, requires_grad=True)
    out = visual_saliency_map(img)
    assert not out.requires_grad
    for c in range(3):
        single = visual_saliency_map(img[:, c:c + 1])
        assert torch.equal(out[:, c:c + 1], single)


@pytest.mark.parametrize(
    'bad', [torch.rand(4, 4),
            torch.zeros(1, 1, 4, 4, dtype=torch.uint8)])
def test_vsm_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        visual_saliency_map(bad)
