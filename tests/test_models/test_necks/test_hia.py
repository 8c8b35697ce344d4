import math

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from mmseg.registry import MODELS
from segmif_mm.models.necks import (AverageAggregation, ConcatAggregation,
                                    SumAggregation)

SWITCHES = [(True, True), (True, False), (False, True), (False, False)]
OTHER_CONTEXT_FORMS = [('mean', 'key'), ('sum', 'value'), ('sum', 'key'),
                       ('cosine', 'value'), ('cosine', 'key')]


def features(channels=16, size=(4, 4), batch=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return tuple(
        torch.randn(batch, channels, *size, generator=gen) for _ in range(3))


def build_hia(use_soam, use_moam, channels=16, num_heads=8, **kwargs):
    return MODELS.build(
        dict(
            type='HierarchicalInteractiveAttention',
            channels=channels,
            num_heads=num_heads,
            use_soam=use_soam,
            use_moam=use_moam,
            **kwargs))


# ----------------------------------------------------------- naive reference
def linear(x, layer):
    """x: [N, C_in] float64 -> [N, C_out] with the layer's weights."""
    out = x @ layer.weight.detach().double().T
    if layer.bias is not None:
        out = out + layer.bias.detach().double()
    return out


def naive_attention(q,
                    k,
                    v,
                    num_heads,
                    temperature,
                    scale='mean',
                    axis='value'):
    """Per-element sums: L_h[i][j] = sum_n K[n,i] V[n,j], scaled by 1/N
    ('mean'), d^-1/2 ('sum') or 1/(|K_i| |V_j|) ('cosine'); G_h =
    softmax(tau_h L_h) over j ('value') or i ('key'); out[n, j] = sum_i
    Q[n, i] G_h[i][j]."""
    tokens, channels = q.shape
    d = channels // num_heads
    out = torch.zeros(tokens, channels, dtype=torch.float64)
    for h in range(num_heads):
        base = h * d
        tau = float(temperature[h])

        def norm(x, c):
            return math.sqrt(sum(float(x[n, c])**2 for n in range(tokens)))

        def scaled(total, i, j):
            if scale == 'mean':
                return total / tokens
            if scale == 'sum':
                return total / math.sqrt(d)
            return total / (norm(k, base + i) * norm(v, base + j))

        logits = [[
            tau * scaled(
                sum(
                    float(k[n, base + i]) * float(v[n, base + j])
                    for n in range(tokens)), i, j) for j in range(d)
        ] for i in range(d)]
        if axis == 'key':
            logits = [list(column) for column in zip(*logits)]
        context = []
        for row in logits:
            top = max(row)
            exps = [math.exp(c - top) for c in row]
            context.append([e / sum(exps) for e in exps])
        if axis == 'key':
            context = [list(column) for column in zip(*context)]
        for n in range(tokens):
            for j in range(d):
                out[n, base + j] = sum(
                    float(q[n, base + i]) * context[i][j] for i in range(d))
    return out


def naive_hia(hia, f_ir, f_vis, f_seg):
    """Reference output (f_ir', f_vis') for batch element 0."""
    heads = hia.num_heads
    tokens = {
        x: f[0].flatten(1).T.double()
        for x, f in (('ir', f_ir), ('vis', f_vis), ('seg', f_seg))
    }
    modality = {
        x: linear(tokens[x], hia.modality_embeds[x])
        for x in ('ir', 'vis')
    }
    parts = {'ir': [], 'vis': []}
    if hia.use_soam or hia.use_moam:
        semantic = linear(tokens['seg'], hia.semantic_embed)
    if hia.use_soam:
        query = linear(semantic, hia.soam_query)
        for i, x in enumerate(('ir', 'vis')):
            key, value = linear(modality[x],
                                hia.soam_key_values[x]).chunk(2, -1)
            parts[x].append(
                naive_attention(query, key, value, heads,
                                hia.soam_temperature[i].detach(),
                                hia.context_scale, hia.context_axis))
    if hia.use_moam:
        key, value = linear(semantic, hia.moam_key_value).chunk(2, -1)
        for i, x in enumerate(('ir', 'vis')):
            query = linear(modality[x], hia.moam_queries[x])
            parts[x].append(
                naive_attention(query, key, value, heads,
                                hia.moam_temperature[i].detach(),
                                hia.context_scale, hia.context_axis))
    outs = []
    for x in ('ir', 'vis'):
        mixed = torch.cat(parts[x], -1) if parts[x] else modality[x]
        mlp = hia.mlps[x]
        hidden = F.gelu(linear(mixed, mlp[0]))
        out = tokens[x] + linear(hidden, mlp[2])
        norm = hia.norms[x]
        out = (out - out.mean(-1, keepdim=True)) / torch.sqrt(
            out.var(-1, unbiased=False, keepdim=True) + norm.eps)
        out = out * norm.weight.detach().double() + norm.bias.detach().double()
        outs.append(out.T.reshape(f_ir.shape[1:]))
    return outs


@pytest.mark.parametrize('use_soam,use_moam,scale,axis',
                         [(*switches, 'mean', 'value')
                          for switches in SWITCHES] +
                         [(True, True, scale, axis)
                          for scale, axis in OTHER_CONTEXT_FORMS])
def test_matches_naive_reference(use_soam, use_moam, scale, axis):
    """The plain forward against the equations of the paper's HIA (with the
    context scale and axis it leaves open), written out element by
    element."""
    torch.manual_seed(0)
    hia = build_hia(use_soam, use_moam, context_scale=scale, context_axis=axis)
    # Sharp, distinct temperatures so the softmax is far from uniform (the
    # sum and cosine logits are larger than the means at init).
    low, high = (20, 60) if scale == 'mean' else (2, 5)
    with torch.no_grad():
        for name in ('soam_temperature', 'moam_temperature'):
            if hasattr(hia, name):
                getattr(hia, name).uniform_(low, high)
    feats = features(size=(4, 4))
    out_ir, out_vis = hia(feats)
    ref_ir, ref_vis = naive_hia(hia, *feats)
    assert torch.allclose(out_ir[0].double(), ref_ir, atol=1e-5)
    assert torch.allclose(out_vis[0].double(), ref_vis, atol=1e-5)


@pytest.mark.parametrize('use_soam,use_moam', SWITCHES)
def test_shapes_and_gradients(use_soam, use_moam):
    hia = build_hia(use_soam, use_moam)
    mlp_in = 16 * max(int(use_soam) + int(use_moam), 1)
    assert hia.mlps['ir'][0].in_features == mlp_in
    assert hia.uses_semantic_features == (use_soam or use_moam)
    feats = [f.requires_grad_() for f in features(size=(5, 7))]
    outs = hia(feats)
    assert isinstance(outs, tuple) and len(outs) == 2
    assert all(o.shape == (2, 16, 5, 7) for o in outs)
    sum(o.square().sum() for o in outs).backward()
    # Every parameter takes part: nothing is computed and left unused.
    for name, param in hia.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name
    assert (feats[2].grad is not None) == (use_soam or use_moam)


@pytest.mark.parametrize('use_soam,use_moam', [(True, True), (True, False),
                                               (False, True)])
def test_attention_uses_segmentation_features(use_soam, use_moam):
    hia = build_hia(use_soam, use_moam)
    f_ir, f_vis, f_seg = features()
    base = hia((f_ir, f_vis, f_seg))
    other = hia((f_ir, f_vis, f_seg + torch.randn_like(f_seg)))
    assert not torch.allclose(base[0], other[0])
    assert not torch.allclose(base[1], other[1])
    with pytest.raises(ValueError, match='f_seg is None'):
        hia((f_ir, f_vis, None))


def test_m1_ignores_segmentation_features():
    hia = build_hia(False, False)
    assert not hasattr(hia, 'semantic_embed')
    f_ir, f_vis, f_seg = features()
    with_seg = hia((f_ir, f_vis, f_seg))
    without = hia((f_ir, f_vis, None))
    assert all(torch.equal(a, b) for a, b in zip(with_seg, without))


def test_soam_and_moam_are_different_branches():
    torch.manual_seed(0)
    soam = build_hia(True, False)
    torch.manual_seed(0)
    moam = build_hia(False, True)
    feats = features()
    assert not torch.allclose(soam(feats)[0], moam(feats)[0])


def test_cost_is_linear_in_pixels():
    hia = build_hia(True, True)

    def flops(size):
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            hia(features(size=size, batch=1))
        return counter.get_total_flops()

    # Every operation is linear in N; an N x N attention map would give 16.
    assert flops((32, 32)) == 4 * flops((16, 16))


def test_bad_inputs():
    with pytest.raises(ValueError, match='divisible'):
        build_hia(True, True, channels=12, num_heads=8)
    hia = build_hia(True, True)
    f_ir, f_vis, f_seg = features()
    with pytest.raises(ValueError, match='three feature maps'):
        hia((f_ir, f_vis))
    with pytest.raises(ValueError, match='one shape'):
        hia((f_ir, f_vis, f_seg[..., :2]))
    with pytest.raises(ValueError, match='built for 16 channels'):
        hia(features(channels=8))


# ----------------------------------------------------- direct aggregations
def test_concat_aggregation():
    neck = MODELS.build(dict(type='ConcatAggregation', channels=16))
    assert isinstance(neck, ConcatAggregation)
    f_ir, f_vis, f_seg = features(size=(5, 3))
    out_ir, out_vis = neck((f_ir, f_vis, f_seg))
    assert out_ir.shape == out_vis.shape == (2, 16, 5, 3)
    ref_ir = F.conv2d(
        torch.cat([f_ir, f_seg], 1), neck.ir_conv.weight, neck.ir_conv.bias)
    ref_vis = F.conv2d(
        torch.cat([f_vis, f_seg], 1), neck.vis_conv.weight, neck.vis_conv.bias)
    assert torch.allclose(out_ir, ref_ir, atol=1e-6)
    assert torch.allclose(out_vis, ref_vis, atol=1e-6)
    with pytest.raises(ValueError, match='built for 16 channels'):
        neck(features(channels=8))


@pytest.mark.parametrize('cfg,expected', [
    (dict(type='SumAggregation'), lambda f, s: f + s),
    (dict(type='AverageAggregation'), lambda f, s: (f + s) / 2),
])
def test_parameter_free_aggregations(cfg, expected):
    neck = MODELS.build(cfg)
    assert isinstance(neck, (SumAggregation, AverageAggregation))
    assert not list(neck.parameters())
    f_ir, f_vis, f_seg = features(size=(3, 6))
    out_ir, out_vis = neck((f_ir, f_vis, f_seg))
    assert torch.equal(out_ir, expected(f_ir, f_seg))
    assert torch.equal(out_vis, expected(f_vis, f_seg))
    with pytest.raises(ValueError, match='f_seg is None'):
        neck((f_ir, f_vis, None))
