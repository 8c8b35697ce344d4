"""HIA's attention against independent transcriptions, one per context form.

The reference below is written from the class docstring and from the
authors' CMX-style cross attention, not from the module's code: it reads only
the weights of the module's linear and norm layers and recomputes the whole
forward in float64 (embeddings, per-head ``K^T V``, scale, softmax along the
stated axis, ``Q G``, concatenation, MLP, residual, LayerNorm).
"""
import itertools

import pytest
import torch
import torch.nn.functional as F

from mmseg.registry import MODELS

MODALITIES = ('ir', 'vis')
FORMS = list(itertools.product(('mean', 'sum', 'cosine'), ('value', 'key')))
SIZES = [(3, 5), (4, 4), (6, 7)]


def linear(x, layer):
    """``x @ W^T + b`` in float64 with the weights of ``layer``."""
    out = x @ layer.weight.detach().double().T
    if layer.bias is not None:
        out = out + layer.bias.detach().double()
    return out


def split_heads(x, num_heads):
    """``[B, N, C]`` -> ``[B, heads, N, d]``."""
    batch, tokens, channels = x.shape
    return x.reshape(batch, tokens, num_heads,
                     channels // num_heads).permute(0, 2, 1, 3)


def merge_heads(x):
    """``[B, heads, N, d]`` -> ``[B, N, C]``."""
    batch, heads, tokens, head_dim = x.shape
    return x.permute(0, 2, 1, 3).reshape(batch, tokens, heads * head_dim)


def docstring_attention(scale, axis):
    """The attention of the class docstring for one context form.

    Per head: logits ``K^T V`` (rows key channels, columns value channels)
    divided by N (``mean``), times ``d^-1/2`` (``sum``), or with every key
    and value channel scaled to unit norm over the N tokens (``cosine``);
    ``G = softmax(tau * logits)`` over the value channels (``value``: each
    row sums to 1) or over the key channels (``key``: each column sums to
    1); output ``Q G``.
    """

    def attention(query, key, value, tau):
        num_heads = tau.numel()
        q, k, v = (split_heads(t, num_heads) for t in (query, key, value))
        tokens, head_dim = k.shape[-2:]
        logits = torch.einsum('bhni,bhnj->bhij', k, v)
        if scale == 'mean':
            logits = logits / tokens
        elif scale == 'sum':
            logits = logits / head_dim**0.5
        else:
            k_norm = k.pow(2).sum(2).sqrt()  # [B, heads, d]
            v_norm = v.pow(2).sum(2).sqrt()
            logits = logits / (k_norm[..., :, None] * v_norm[..., None, :])
        logits = tau.view(1, -1, 1, 1) * logits
        context = logits.softmax(dim=-1 if axis == 'value' else -2)
        return merge_heads(torch.einsum('bhni,bhij->bhnj', q, context))

    return attention


def cmx_attention(query, key, value, tau):
    """One direction of CMX's ``CrossAttention`` (the authors' code):
    ``ctx = (k^T v) * head_dim^-0.5``, ``ctx.softmax(dim=-2)``,
    ``q @ ctx``. It has no temperature: only defined for tau = 1."""
    assert torch.all(tau == 1)
    num_heads = tau.numel()
    q, k, v = (split_heads(t, num_heads) for t in (query, key, value))
    ctx = (k.transpose(-2, -1) @ v) * (k.shape[-1]**-0.5)
    ctx = ctx.softmax(dim=-2)
    return merge_heads(q @ ctx)


def reference_hia(hia, f_ir, f_vis, f_seg, attention):
    """``(f_ir', f_vis')`` in float64, ``[B, C, H, W]`` each."""
    batch, channels, height, width = f_ir.shape
    tokens = {
        name: f.double().flatten(2).transpose(1, 2)
        for name, f in zip(('ir', 'vis', 'seg'), (f_ir, f_vis, f_seg))
    }
    modality = {
        x: linear(tokens[x], hia.modality_embeds[x])
        for x in MODALITIES
    }
    semantic = linear(tokens['seg'], hia.semantic_embed)
    outs = []
    for i, x in enumerate(MODALITIES):
        # SoAM: semantic queries, keys and values of modality x.
        key, value = linear(modality[x], hia.soam_key_values[x]).chunk(2, -1)
        soam = attention(
            linear(semantic, hia.soam_query), key, value,
            hia.soam_temperature[i].detach().double())
        # MoAM: queries of modality x, semantic keys and values.
        key, value = linear(semantic, hia.moam_key_value).chunk(2, -1)
        moam = attention(
            linear(modality[x], hia.moam_queries[x]), key, value,
            hia.moam_temperature[i].detach().double())
        mlp = hia.mlps[x]
        hidden = F.gelu(linear(torch.cat([soam, moam], -1), mlp[0]))
        out = tokens[x] + linear(hidden, mlp[2])
        norm = hia.norms[x]
        out = (out - out.mean(-1, keepdim=True)) / torch.sqrt(
            out.var(-1, unbiased=False, keepdim=True) + norm.eps)
        out = out * norm.weight.detach().double() + norm.bias.detach().double()
        outs.append(
            out.transpose(1, 2).reshape(batch, channels, height, width))
    return outs


def build_hia(scale, axis, num_heads, seed=0):
    torch.manual_seed(seed)
    return MODELS.build(
        dict(
            type='HierarchicalInteractiveAttention',
            channels=16,
            num_heads=num_heads,
            context_scale=scale,
            context_axis=axis)).eval()


def features(size, seed):
    gen = torch.Generator().manual_seed(seed)
    # Three inputs of different scales, so that no form is near uniform by
    # accident of the feature magnitude.
    return tuple(scale * torch.randn(2, 16, *size, generator=gen)
                 for scale in (1.0, 2.0, 0.5))


@pytest.mark.parametrize('scale,axis', FORMS)
@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('grad', [False, True])
def test_forward_matches_docstring_transcription(scale, axis, size, grad):
    num_heads = 4
    hia = build_hia(scale, axis, num_heads, seed=len(size) + size[1])
    with torch.no_grad():
        # Distinct per-head temperatures (a temperature applied to the wrong
        # head or module changes the result) that make the contexts sharp.
        for name in ('soam_temperature', 'moam_temperature'):
            getattr(hia, name).uniform_(2.0, 8.0)
    feats = features(size, seed=size[0])
    expected = reference_hia(hia, *feats, docstring_attention(scale, axis))
    with torch.set_grad_enabled(grad):  # inference and training passes
        outs = hia(feats)
    for x, out, ref in zip(MODALITIES, outs, expected):
        torch.testing.assert_close(
            out.detach().double(),
            ref,
            rtol=1e-5,
            atol=1e-5,
            msg=lambda m: f'{scale}/{axis} {x}: {m}')


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('num_heads', [2, 4])
def test_sum_key_form_is_cmx_cross_attention(size, num_heads):
    hia = build_hia('sum', 'key', num_heads, seed=num_heads)
    assert torch.all(hia.soam_temperature == 1)  # temperature_init: CMX
    assert torch.all(hia.moam_temperature == 1)
    feats = features(size, seed=size[1])
    expected = reference_hia(hia, *feats, cmx_attention)
    with torch.no_grad():  # the inference pass
        outs = hia(feats)
    for x, out, ref in zip(MODALITIES, outs, expected):
        torch.testing.assert_close(
            out.double(), ref, rtol=1e-5, atol=1e-5, msg=lambda m: f'{x}: {m}')


def test_forms_differ():
    """The transcriptions are sensitive to the form: on the same weights and
    inputs every pair of forms gives different outputs."""
    feats = features((4, 5), seed=3)
    outputs = {}
    for scale, axis in FORMS:
        hia = build_hia(scale, axis, num_heads=4)
        with torch.no_grad():
            for name in ('soam_temperature', 'moam_temperature'):
                getattr(hia, name).fill_(4.0)
            outputs[scale, axis] = hia(feats)[0]
    for a, b in itertools.combinations(FORMS, 2):
        assert (outputs[a] - outputs[b]).abs().max() > 1e-3, (a, b)
