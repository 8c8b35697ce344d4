"""The CPU inference paths of the fusion head against plain references.

In CPU inference (eval mode, autograd off) ``DRDB`` runs ``drdb_inference``
(dense features in one buffer, layers in horizontal stripes, 1x1 fusion as
a matrix product) and ``DRDBFusionHead`` runs its stems and decoder in
stripes. These tests compare them with straightforward implementations
written here (concatenation, whole-image convolutions), with the training
path and with the fast paths switched off, forcing many stripes with a tiny
stripe size.
"""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmseg.registry import MODELS
from segmif_mm.models.fusion_heads import DRDB
from segmif_mm.models.utils import (apply_in_stripes, cpu_fast_paths,
                                    cpu_inference_fast_path,
                                    use_cpu_fast_paths)


@pytest.fixture
def tiny_stripes(monkeypatch):
    """Stripes of a few rows and HIA tiles of a few pixels, so every image
    is cut many times."""
    monkeypatch.setattr(cpu_fast_paths, 'STRIPE_BYTES', 1)
    monkeypatch.setattr(cpu_fast_paths, 'HIA_TILE_TOKENS', 29)


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
def test_drdb_inference_path_matches_reference(size, dilations, tiny_stripes):
    block = randomised(DRDB(8, growth=4, dilations=dilations))
    x = torch.randn(2, 8, *size, generator=torch.Generator().manual_seed(1))
    reference = reference_drdb(block, x)
    with torch.no_grad():
        assert cpu_inference_fast_path(block, x)
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


def test_inference_path_only_in_cpu_eval_mode_without_autograd():
    block = DRDB(4, growth=2, dilations=(1, ))
    x = torch.zeros(1, 4, 3, 3)
    assert not cpu_inference_fast_path(block, x)  # train mode
    block.eval()
    assert not cpu_inference_fast_path(block, x)  # autograd on
    with torch.no_grad():
        assert cpu_inference_fast_path(block, x)
        assert not cpu_inference_fast_path(block, x.to('meta'))
        with use_cpu_fast_paths(False):
            assert not cpu_inference_fast_path(block, x)
        assert cpu_inference_fast_path(block, x)
    with torch.inference_mode():
        assert cpu_inference_fast_path(block, x)


@pytest.mark.parametrize('height', [1, 2, 7, 30])
def test_apply_in_stripes_equals_whole_image(height):
    torch.manual_seed(0)
    stack = nn.Sequential(
        nn.Conv2d(3, 5, 3, padding=2, dilation=2), nn.ReLU(),
        nn.Conv2d(5, 4, 3, padding=1),
        nn.Conv2d(4, 2, 3, padding=3, dilation=3)).eval()
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


def build_head():
    hia = dict(
        type='HierarchicalInteractiveAttention', channels=8, num_heads=2)
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
    guidance = (torch.randn(
        2, 6, -(-size[0] // 4), -(-size[1] // 4), generator=gen),
                torch.randn(
                    2, 10, -(-size[0] // 8), -(-size[1] // 8), generator=gen))
    head = build_head()
    with use_cpu_fast_paths(False):
        plain = head(vis_y, ir, guidance)  # autograd on: plain path
    assert plain.requires_grad
    with torch.inference_mode():
        fast = head(vis_y, ir, guidance)
        with use_cpu_fast_paths(False):
            plain_inference = head(vis_y, ir, guidance)
    torch.testing.assert_close(fast, plain.detach(), rtol=0, atol=1e-5)
    torch.testing.assert_close(plain_inference, plain.detach())
