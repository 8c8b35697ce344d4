import cv2
import numpy as np
import pytest
import torch

from segmif_mm.models.utils import rgb_to_ycbcr, ycbcr_to_rgb


def test_round_trip():
    rgb = torch.rand(2, 3, 17, 23, generator=torch.Generator().manual_seed(0))
    back = ycbcr_to_rgb(*rgb_to_ycbcr(rgb))
    assert back.shape == rgb.shape
    assert (back - rgb).abs().max() <= 1e-5


def test_known_values():
    # white, black, red, green, blue
    rgb = torch.tensor([[1., 1., 1.], [0., 0., 0.], [1., 0., 0.], [0., 1., 0.],
                        [0., 0., 1.]]).T.reshape(1, 3, 1, 5)
    y, cb, cr = rgb_to_ycbcr(rgb)
    expected_y = [1.0, 0.0, 0.299, 0.587, 0.114]
    expected_cb = [0.5, 0.5, 0.5 - 0.168736, 0.5 - 0.331264, 1.0]
    expected_cr = [0.5, 0.5, 1.0, 0.5 - 0.418688, 0.5 - 0.081312]
    for plane, expected in ((y, expected_y), (cb, expected_cb), (cr,
                                                                 expected_cr)):
        assert plane.shape == (1, 1, 1, 5)
        assert torch.allclose(
            plane.flatten(), torch.tensor(expected), atol=1e-6)


def test_matches_opencv():
    # OpenCV's float YCrCb is the same full-range BT.601 transform (with its
    # rounded 0.713/0.564 chroma scales, hence the tolerance).
    img = np.random.default_rng(0).random((9, 11, 3), dtype=np.float32)
    ycrcb = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb)
    y, cb, cr = rgb_to_ycbcr(torch.from_numpy(img).permute(2, 0, 1)[None])
    np.testing.assert_allclose(y[0, 0].numpy(), ycrcb[..., 0], atol=1e-5)
    np.testing.assert_allclose(cr[0, 0].numpy(), ycrcb[..., 1], atol=1e-3)
    np.testing.assert_allclose(cb[0, 0].numpy(), ycrcb[..., 2], atol=1e-3)


def test_grey_has_neutral_chroma_and_stays_grey():
    grey = torch.rand(1, 1, 8, 8).expand(1, 3, 8, 8)
    y, cb, cr = rgb_to_ycbcr(grey)
    assert torch.allclose(y, grey[:, :1], atol=1e-6)
    assert torch.allclose(cb, torch.full_like(cb, 0.5), atol=1e-6)
    assert torch.allclose(cr, torch.full_like(cr, 0.5), atol=1e-6)
    new_y = torch.rand_like(y)
    rgb = ycbcr_to_rgb(new_y, cb, cr)
    assert torch.allclose(rgb, new_y.expand_as(rgb), atol=1e-5)


def test_gradients_flow():
    y = torch.rand(1, 1, 4, 4, requires_grad=True)
    cb, cr = torch.rand(2, 1, 1, 4, 4)
    ycbcr_to_rgb(y, cb, cr).sum().backward()
    # dR/dY = dG/dY = dB/dY = 1 for this transform.
    assert torch.allclose(y.grad, torch.full_like(y, 3.0), atol=1e-5)


@pytest.mark.parametrize('bad', [
    torch.rand(1, 4, 8, 8),
    torch.rand(3, 8, 8),
    torch.randint(0, 255, (1, 3, 8, 8), dtype=torch.uint8),
])
def test_rejects_bad_rgb(bad):
    with pytest.raises(ValueError, match='rgb'):
        rgb_to_ycbcr(bad)


def test_rejects_mismatched_planes():
    y = torch.rand(1, 1, 8, 8)
    with pytest.raises(ValueError, match='one shape'):
        ycbcr_to_rgb(y, torch.rand(1, 1, 4, 4), torch.rand(1, 1, 4, 4))
