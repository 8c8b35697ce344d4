import pytest
import torch
from torch import nn

from segmif_mm.deploy import apply_in_stripes, conv_halo


def stack() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 5, 3, padding=2, dilation=2), nn.ReLU(),
        nn.Conv2d(5, 4, 3, padding=1),
        nn.Conv2d(4, 2, 3, padding=3, dilation=3)).eval()


def test_halo_is_the_vertical_extent_of_the_stack():
    assert conv_halo(stack()) == 2 + 1 + 3
    assert conv_halo(nn.Conv2d(1, 1, 1)) == 0
    assert conv_halo(nn.Conv2d(1, 1, (5, 3), padding=(2, 1))) == 2


@pytest.mark.parametrize('height', [1, 2, 7, 30])
@pytest.mark.parametrize('stripe_bytes', [1, 200, 10**9])
def test_stripes_equal_the_whole_image(height, stripe_bytes):
    layers = stack()
    x = torch.randn(2, 3, height, 6)
    calls = []

    def rows(start, end):
        calls.append((start, end))
        return layers(x[:, :, start:end])

    with torch.no_grad():
        whole = layers(x)
        out = torch.full_like(whole, float('nan'))
        apply_in_stripes(
            rows,
            out,
            halo=6,
            row_bytes=x[:, :, :1].numel() * 4,
            stripe_bytes=stripe_bytes)
    torch.testing.assert_close(out, whole, rtol=0, atol=1e-6)
    # At least 8 * halo rows per stripe, none beyond the image.
    assert all(0 <= start < end <= height for start, end in calls)
    if stripe_bytes == 10**9:
        assert calls == [(0, height)]
