"""StripedConvStack against the plain stems and decoder it replaces."""
import pytest
import torch
from deploy_helpers import randomised_biases
from mmcv.cnn import ConvModule
from torch import nn

from segmif_mm.deploy import StripedConvStack


def decoder() -> nn.Module:
    """The decoder of DRDBFusionHead with C = 8."""
    torch.manual_seed(0)
    return randomised_biases(
        nn.Sequential(
            ConvModule(16, 8, 3, padding=1), ConvModule(8, 4, 3, padding=1),
            nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid()))


@pytest.mark.parametrize('size', [(37, 21), (8, 45), (1, 3)])
@pytest.mark.parametrize('stripe_bytes', [1, 1000, 2**24])
def test_matches_the_plain_stack(size, stripe_bytes):
    gen = torch.Generator().manual_seed(0)
    stem = randomised_biases(ConvModule(1, 8, 3, padding=1))
    for stack, channels in ((decoder(), 16), (stem, 1)):
        x = torch.rand(2, channels, *size, generator=gen)
        striped = StripedConvStack(stack, stripe_bytes)
        assert striped.stack is stack
        with torch.no_grad():
            torch.testing.assert_close(striped(x), stack(x), rtol=0, atol=1e-6)


def test_rows_of_context_and_widest_map():
    striped = StripedConvStack(decoder(), 2**24)
    assert striped.halo == 3
    assert striped.widest == 16 and striped.out_channels == 1


@pytest.mark.parametrize('stack', [
    nn.Sequential(nn.ReLU()),
    nn.Conv2d(4, 4, 3, stride=2, padding=1),
    nn.Conv2d(4, 4, 3, padding=0),
    nn.Conv2d(4, 4, 3, padding=1, padding_mode='reflect'),
])
def test_refuses_stacks_that_do_not_keep_the_size(stack):
    with pytest.raises(ValueError, match='stride 1'):
        StripedConvStack(stack, 2**24)


def test_refuses_training_and_autograd():
    striped = StripedConvStack(decoder(), 2**24)
    x = torch.rand(1, 16, 6, 6)
    with pytest.raises(RuntimeError, match='inference only'):
        striped(x)
