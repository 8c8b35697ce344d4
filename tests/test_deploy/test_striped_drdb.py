"""StripedDRDB against the plain DRDB it replaces."""
import pytest
import torch
from deploy_helpers import randomised_biases

from segmif_mm.deploy import BufferPool, StripedDRDB
from segmif_mm.models.fusion_heads import DRDB


def plain_block(dilations=(2, 2, 2, 2, 2)) -> DRDB:
    torch.manual_seed(0)
    return randomised_biases(DRDB(8, growth=4, dilations=dilations))


@pytest.mark.parametrize('size', [(23, 17), (40, 9), (5, 6)])
@pytest.mark.parametrize('dilations', [(2, 2, 2, 2, 2), (1, 3, 2)])
@pytest.mark.parametrize('stripe_bytes', [1, 2**24])
def test_matches_the_plain_block(size, dilations, stripe_bytes):
    block = plain_block(dilations)
    striped = StripedDRDB(block, stripe_bytes, BufferPool())
    x = torch.randn(2, 8, *size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = block(x)
        out = striped(x)
    with torch.inference_mode():
        out_inference = striped(x)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-5)
    torch.testing.assert_close(out_inference, expected, rtol=0, atol=1e-5)


def test_uses_the_blocks_weights_and_reuses_the_pools_buffer():
    block = plain_block((1, 2))
    pool = BufferPool()
    striped = StripedDRDB(block, 1, pool)
    assert striped.block is block
    x, y = torch.randn(1, 8, 10, 12), torch.randn(1, 8, 10, 12)
    with torch.no_grad():
        first = striped(x)
        kept = [t.data_ptr() for t in pool.kept.values()]
        second = striped(y)
        assert [t.data_ptr() for t in pool.kept.values()] == kept
        torch.testing.assert_close(first, block(x), rtol=0, atol=1e-6)
        torch.testing.assert_close(second, block(y), rtol=0, atol=1e-6)
        block.fuse.bias.add_(1.0)  # new weights are seen at once
        torch.testing.assert_close(striped(x), block(x), rtol=0, atol=1e-6)


def test_refuses_training_and_autograd():
    striped = StripedDRDB(plain_block((1, )), 2**24, BufferPool())
    x = torch.randn(1, 8, 6, 6)
    with pytest.raises(RuntimeError, match='inference only'):
        striped(x)  # autograd on
    striped.train()
    with torch.no_grad(), pytest.raises(RuntimeError, match='eval mode'):
        striped(x)
