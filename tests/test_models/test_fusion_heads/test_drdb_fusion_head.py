import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmseg.registry import MODELS
from segmif_mm.models.fusion_heads import DRDB, DRDBFusionHead


def hia(**kwargs):
    return dict(
        type='HierarchicalInteractiveAttention',
        channels=16,
        num_heads=2,
        **kwargs)


def build_head(hia_cfgs=None, **kwargs):
    cfg = dict(
        type='DRDBFusionHead',
        channels=16,
        growth=8,
        dilations=(1, 2),
        guidance_channels=(8, 12),
        hia_cfgs=hia_cfgs or [hia(), hia()])
    cfg.update(kwargs)
    return MODELS.build(cfg)


def inputs(size=(20, 28), batch=2):
    gen = torch.Generator().manual_seed(0)
    height, width = size
    vis_y = torch.rand(batch, 1, height, width, generator=gen)
    ir = torch.rand(batch, 1, height, width, generator=gen)
    guidance = (torch.randn(
        batch, 8, -(-height // 4), -(-width // 4), generator=gen),
                torch.randn(
                    batch, 12, -(-height // 8), -(-width // 8), generator=gen))
    return vis_y, ir, guidance


def randomised(module: nn.Module) -> nn.Module:
    """Non-trivial biases (the default init leaves some near zero)."""
    torch.manual_seed(0)
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.endswith('bias'):
                param.uniform_(-0.5, 0.5)
    return module


def conv(layer: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    return F.conv2d(
        x,
        layer.weight,
        layer.bias,
        padding=layer.padding,
        dilation=layer.dilation)


def reference_drdb(block: DRDB, x: torch.Tensor) -> torch.Tensor:
    """DRDB as in AHDRNet: concatenate, convolve, ReLU; 1x1 fusion, local
    residual."""
    features = [x]
    for layer in block.dense_layers:
        features.append(F.relu(conv(layer.conv, torch.cat(features, dim=1))))
    return x + conv(block.fuse, torch.cat(features, dim=1))


def reference_head(head: DRDBFusionHead, vis_y, ir, guidance):
    """The fusion sub-network of SegMiF (§3.2) written out: stems, DRDBs,
    projected and upsampled guidance, the HIAs, the decoder."""
    f_vis = F.relu(conv(head.vis_stem.conv, vis_y))
    f_ir = F.relu(conv(head.ir_stem.conv, ir))
    for i, interaction in enumerate(head.interactions):
        f_ir = reference_drdb(head.ir_blocks[i][0], f_ir)
        f_vis = reference_drdb(head.vis_blocks[i][0], f_vis)
        f_seg = F.interpolate(
            conv(head.guidance_projs[str(i)], guidance[i]),
            size=vis_y.shape[2:],
            mode='bilinear',
            align_corners=False)
        f_ir, f_vis = interaction((f_ir, f_vis, f_seg))
    x = torch.cat([f_vis, f_ir], dim=1)
    x = F.relu(conv(head.decoder[0].conv, x))
    x = F.relu(conv(head.decoder[1].conv, x))
    return torch.sigmoid(conv(head.decoder[2], x))


# ------------------------------------------------------------------- DRDB
def test_drdb_matches_reference_and_has_gradients():
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


def test_drdb_dense_connectivity_and_shape():
    block = DRDB(16, growth=8, dilations=(1, 2, 3, 2, 1))
    assert len(block.dense_layers) == 5
    for i, layer in enumerate(block.dense_layers):
        assert layer.conv.in_channels == 16 + 8 * i
        assert layer.conv.out_channels == 8
        assert layer.conv.dilation == ((1, 2, 3, 2, 1)[i], ) * 2
    assert block.fuse.in_channels == 16 + 5 * 8
    assert block.fuse.kernel_size == (1, 1)
    x = torch.rand(2, 16, 9, 13)
    assert block(x).shape == x.shape


def test_drdb_local_residual():
    block = DRDB(16, growth=8)
    nn.init.zeros_(block.fuse.weight)
    nn.init.zeros_(block.fuse.bias)
    x = torch.rand(1, 16, 8, 8)
    assert torch.equal(block(x), x)


def test_drdb_rejects_bad_dilations():
    with pytest.raises(ValueError, match='dilation'):
        DRDB(16, dilations=())


# ------------------------------------------------------------ fusion head
@pytest.mark.parametrize('size', [(20, 28), (23, 17)])
def test_head_matches_reference(size):
    head = randomised(build_head(dilations=(2, 1)))
    args = inputs(size)
    with torch.no_grad():
        torch.testing.assert_close(
            head(*args), reference_head(head, *args), rtol=0, atol=1e-6)


@pytest.mark.parametrize('size', [(20, 28), (23, 17)])
def test_output_shape_and_range(size):
    head = build_head()
    assert isinstance(head, DRDBFusionHead)
    fused = head(*inputs(size))
    assert fused.shape == (2, 1, *size)
    assert fused.min() >= 0 and fused.max() <= 1


@pytest.mark.parametrize('hia_cfg', [
    dict(type='ConcatAggregation', channels=16),
    dict(type='SumAggregation'),
    dict(type='AverageAggregation'),
    hia(use_soam=False, use_moam=False),
    hia(use_soam=False, use_moam=True),
    hia(use_soam=True, use_moam=False),
    hia(use_soam=True, use_moam=True),
])
def test_every_interaction_variant_trains(hia_cfg):
    head = build_head([hia_cfg, hia_cfg])
    assert head.interactions[0] is not head.interactions[1]
    vis_y, ir, guidance = inputs((12, 16), batch=1)
    guidance = tuple(g.requires_grad_() for g in guidance)
    fused = head(vis_y, ir, guidance)
    assert fused.shape == (1, 1, 12, 16)
    fused.sum().backward()
    for name, param in head.named_parameters():
        assert param.grad is not None, name
    uses_seg = hia_cfg.get('use_soam', True) or hia_cfg.get('use_moam', True)
    assert all((g.grad is not None) == uses_seg for g in guidance)


def test_blocks_per_stage():
    head = build_head(num_blocks=3)
    assert all(
        len(blocks) == 3 for blocks in (*head.vis_blocks, *head.ir_blocks))
    assert head(*inputs((12, 16), batch=1)).shape == (1, 1, 12, 16)
    with pytest.raises(ValueError, match='num_blocks'):
        build_head(num_blocks=0)


def test_m1_needs_no_guidance():
    m1 = hia(use_soam=False, use_moam=False)
    head = build_head([m1, m1])
    assert head.guidance_scales == ()
    assert len(head.guidance_projs) == 0
    vis_y, ir, _ = inputs()
    assert head(vis_y, ir, (None, None)).shape == (2, 1, 20, 28)

    mixed = build_head([m1, hia()])
    assert mixed.guidance_scales == (1, )
    _, _, guidance = inputs()
    assert mixed(vis_y, ir, (None, guidance[1])).shape == (2, 1, 20, 28)
    with pytest.raises(ValueError, match='None at'):
        mixed(vis_y, ir, (guidance[0], None))


def test_projection_before_upsampling():
    head = build_head()
    seen = []
    for proj in head.guidance_projs.values():
        proj.register_forward_hook(lambda module, args, out: seen.append(
            (args[0].shape[2:], out.shape[2:])))
    vis_y, ir, guidance = inputs((21, 30))
    head(vis_y, ir, guidance)
    assert seen == [(guidance[0].shape[2:], guidance[0].shape[2:]),
                    (guidance[1].shape[2:], guidance[1].shape[2:])]


def test_uses_both_modalities_and_guidance():
    head = build_head()
    vis_y, ir, guidance = inputs()
    base = head(vis_y, ir, guidance)
    assert not torch.allclose(base, head(vis_y, torch.rand_like(ir), guidance))
    assert not torch.allclose(base, head(torch.rand_like(vis_y), ir, guidance))
    assert not torch.allclose(
        base, head(vis_y, ir, (guidance[0], torch.randn_like(guidance[1]))))


def test_bad_configs_and_inputs():
    with pytest.raises(ValueError, match='two'):
        build_head([hia()])
    with pytest.raises(ValueError, match='channels=32'):
        build_head([hia(), dict(type='ConcatAggregation', channels=32)])
    head = build_head()
    vis_y, ir, guidance = inputs()
    with pytest.raises(ValueError, match='guidance_channels'):
        head(vis_y, ir, (guidance[1], guidance[1]))
    with pytest.raises(ValueError, match=r'\[B, 1, H, W\]'):
        head(vis_y.expand(-1, 3, -1, -1), ir, guidance)
    with pytest.raises(ValueError, match='two guidance'):
        head(vis_y, ir, guidance[:1])
