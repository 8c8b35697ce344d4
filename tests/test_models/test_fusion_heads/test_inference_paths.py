"""The inference-only paths of the fusion head against plain references.

In eval mode with autograd off, ``DRDB`` writes its dense features into one
buffer, runs its layers in horizontal stripes and applies its 1x1 fusion as
a matrix product, and ``DRDBFusionHead`` runs its stems and decoder in
stripes. These tests compare them with straightforward implementations
written here (concatenation, whole-image convolutions) and with the
training path, forcing many stripes with a tiny stripe size.
"""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmseg.registry import MODELS
from segmif_mm.models.fusion_heads import DRDB
from segmif_mm.models.fusion_heads import drdb as drdb_module
from segmif_mm.models.fusion_heads.drdb import (apply_in_stripes,
                                                fast_inference)


@pytest.fixture
def tiny_stripes(monkeypatch):
    """Stripes of a few rows, so every image is cut many times."""
    monkeypatch.setattr(drdb_module, 'STRIPE_BYTES', 1)


def reference_drdb(block: DRDB, x: torch.Tensor) -> torch.Tensor:
    """DRDB as in AHDRNet: concatenate, convolve, ReLU; 1x1 fusion."""
    features = [x]
    for layer in block.dense_layers:
        conv = layer.conv
        features.append(
            F.relu(
                F.conv2d(
                    torch.cat(features, dim=1),
                    conv.weight,
                    conv.bias,
                    padding=conv.padding,
                    dilation=conv.dilation)))
    return x + F.conv2d(
        torch.cat(features, dim=1), block.fuse.weight, block.fuse.bias)


def randomised(module: nn.Module) -> nn.Module:
    """Non-trivial biases (default init leaves some near zero)."""
    torch.manual_seed(0)
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.endswith('bias'):
                param.uniform_(-0.5, 0.5)
    return module.eval()


@pytest.mark.parametrize('size', [(23, 17), (40, 9), (5, 6)])
@pytest.mark.parametrize('dilations', [(2, 2, 2, 2, 2), (1, 3, 2)])
def test_drdb_inference_path_matches_reference(size, dilations,
                                               tiny_stripes):
    block = randomised(DRDB(8, growth=4, dilations=dilations))
    x = torch.randn(2, 8, *size, generator=torch.Generator().manual_seed(1))
    reference = reference_drdb(block, x)
    with torch.no_grad():
        assert fast_inference(block)
        fast = block(x)
    assert fast.shape == x.shape
    torch.testing.assert_close(fast, reference, rtol=0, atol=1e-5)


def test_drdb_training_path_matches_reference_and_has_gradients():
    block = randomised(DRDB(8, growth=4, dilations=(1, 2)))
    x = torch.randn(1, 8, 11, 13, requires_grad=True)
    out = block(x)
    torch.testing.assert_close(out, reference_drdb(block, x))
    out.square().sum().backward()
    grads = {name: p.grad.clone() for name, p in block.named_parameters()}
    x_grad = x.grad.clone()
    block.zero_grad()
    x.grad = None
    reference_drdb(block, x).square().sum().backward()
    torch.testing.assert_close(x_grad, x.grad)
    for name, param in block.named_parameters():
        torch.testing.assert_close(grads[name], param.grad, msg=name)


def test_inference_path_only_in_eval_mode_without_autograd():
    block = DRDB(4, growth=2, dilations=(1, ))
    assert not fast_inference(block)  # train mode
    block.eval()
    assert not fast_inference(block)  # autograd on
    with torch.no_grad():
        assert fast_inference(block)
    with torch.inference_mode():
        assert fast_inference(block)


@pytest.mark.parametrize('height', [1, 2, 7, 30])
def test_apply_in_stripes_equals_whole_image(height):
    torch.manual_seed(0)
    stack = nn.Sequential(
        nn.Conv2d(3, 5, 3, padding=2, dilation=2), nn.ReLU(),
        nn.Conv2d(5, 4, 3, padding=1), nn.Conv2d(4, 2, 3, padding=3,
                                                 dilation=3)).eval()
    x = torch.randn(2, 3, height, 6)
    with torch.no_grad():
        whole = stack(x)
        for max_bytes in (1, 200, 10**9):
            out = torch.full_like(whole, float('nan'))
            apply_in_stripes(
                lambda start, end: stack(x[:, :, start:end]),
                out,
                halo=6,
                row_bytes=x[:, :, :1].numel() * 4,
                max_bytes=max_bytes)
            torch.testing.assert_close(out, whole, rtol=0, atol=1e-6)


def test_apply_in_stripes_one_stripe_off_cpu():
    calls = []

    def fn(start, end):
        calls.append((start, end))
        return torch.empty(1, 2, end - start, 4, device='meta')

    out = torch.empty(1, 2, 30, 4, device='meta')
    assert apply_in_stripes(fn, out, halo=1, row_bytes=10**6,
                            max_bytes=1) is out
    assert calls == [(0, 30)]


def build_head(chunk_size=None):
    hia = dict(type='HierarchicalInteractiveAttention', channels=8,
               num_heads=2)
    if chunk_size is not None:
        hia['chunk_size'] = chunk_size
    return randomised(
        MODELS.build(
            dict(
                type='DRDBFusionHead',
                channels=8,
                growth=4,
                dilations=(2, 1, 2),
                guidance_channels=(6, 10),
                hia_cfgs=[hia, hia])))


@pytest.mark.parametrize('size', [(37, 21), (8, 45)])
def test_fusion_head_inference_matches_training_path(size, tiny_stripes):
    gen = torch.Generator().manual_seed(0)
    vis_y = torch.rand(2, 1, *size, generator=gen)
    ir = torch.rand(2, 1, *size, generator=gen)
    guidance = (torch.randn(2, 6, -(-size[0] // 4), -(-size[1] // 4),
                            generator=gen),
                torch.randn(2, 10, -(-size[0] // 8), -(-size[1] // 8),
                            generator=gen))
    head = build_head(chunk_size=29)
    one_tile = build_head()
    one_tile.load_state_dict(head.state_dict())
    plain = one_tile(vis_y, ir, guidance)  # autograd on: plain path
    assert plain.requires_grad
    with torch.inference_mode():
        fast = head(vis_y, ir, guidance)
    torch.testing.assert_close(fast, plain.detach(), rtol=0, atol=1e-5)
