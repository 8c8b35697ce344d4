"""Context scale and softmax axis of the HIA, and its context entropy."""
import math

import pytest
import torch

from mmseg.registry import MODELS

FORMS = [(scale, axis) for scale in ('mean', 'sum', 'cosine')
         for axis in ('value', 'key')]


def build_hia(context_scale='mean',
              context_axis='value',
              temperature_init=1.0):
    torch.manual_seed(0)
    return MODELS.build(
        dict(
            type='HierarchicalInteractiveAttention',
            channels=16,
            num_heads=4,
            context_scale=context_scale,
            context_axis=context_axis,
            temperature_init=temperature_init))


def features(size=(6, 5), batch=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return tuple(
        torch.randn(batch, 16, *size, generator=gen) for _ in range(3))


def reference_context(hia, f_x, temperature, scale, axis):
    """SoAM context of a modality stream from its key/value projection, in
    float64, written out per head from the definitions."""
    tokens = f_x.flatten(2).transpose(1, 2).double()  # [B, N, C]
    layer = hia.modality_embeds['ir']
    embedded = tokens @ layer.weight.double().T + layer.bias.double()
    kv = hia.soam_key_values['ir']
    key_values = embedded @ kv.weight.double().T + kv.bias.double()
    key, value = key_values.chunk(2, dim=-1)
    batch, num, channels = key.shape
    d = channels // hia.num_heads
    contexts = []
    for h in range(hia.num_heads):
        k = key[..., h * d:(h + 1) * d]
        v = value[..., h * d:(h + 1) * d]
        logits = k.transpose(1, 2) @ v  # [B, d, d], sum over tokens
        if scale == 'mean':
            logits = logits / num
        elif scale == 'sum':
            logits = logits / math.sqrt(d)
        else:
            logits = logits / (
                k.norm(dim=1)[:, :, None] * v.norm(dim=1)[:, None, :])
        logits = float(temperature[h]) * logits
        contexts.append(logits.softmax(-1 if axis == 'value' else -2))
    return torch.stack(contexts, dim=1)


@pytest.mark.parametrize('scale,axis', FORMS)
def test_contexts_match_definition(scale, axis):
    hia = build_hia(scale, axis, temperature_init=3.0)
    f_ir, f_vis, f_seg = features()
    tokens = {
        name: f.flatten(2).transpose(1, 2)
        for name, f in (('ir', f_ir), ('vis', f_vis), ('seg', f_seg))
    }
    with torch.no_grad():
        contexts = hia.contexts(
            hia.context_means(hia.embed(tokens)),
            f_ir.shape[2] * f_ir.shape[3])
        expected = reference_context(hia, f_ir, hia.soam_temperature[0], scale,
                                     axis)
    torch.testing.assert_close(
        contexts['soam_ir'].double(), expected, rtol=0, atol=1e-5)
    sums = contexts['soam_ir'].sum(-1 if axis == 'value' else -2)
    torch.testing.assert_close(sums, torch.ones_like(sums))


@pytest.mark.parametrize('scale,same', [('mean', True), ('sum', False),
                                        ('cosine', True)])
def test_image_size_changes_only_sum_contexts(scale, same):
    """Four copies of an image side by side have the same per-pixel
    statistics: only the 'sum' logits grow (4x) with the pixel count."""
    hia = build_hia(scale, 'key', temperature_init=5.0)
    small = features(size=(6, 5), batch=1)
    large = tuple(f.repeat(1, 1, 2, 2) for f in small)
    with torch.no_grad():
        hia(small)
        entropy_small = dict(hia.context_entropy)
        hia(large)
        entropy_large = dict(hia.context_entropy)
    for name, value in entropy_small.items():
        if same:
            assert entropy_large[name] == pytest.approx(float(value), abs=1e-5)
        else:
            assert entropy_large[name] < value - 1e-3


def test_context_entropy_is_normalised():
    hia = build_hia('cosine', 'key', temperature_init=0.0)
    with torch.no_grad():
        hia(features())
    assert set(
        hia.context_entropy) == {'soam_ir', 'soam_vis', 'moam_ir', 'moam_vis'}
    # tau = 0: uniform contexts, entropy log d, normalised to 1
    for value in hia.context_entropy.values():
        assert float(value) == pytest.approx(1.0, abs=1e-6)
    with torch.no_grad():
        hia.soam_temperature.fill_(20.0)
        hia(features())
    sharp = float(hia.context_entropy['soam_ir'])
    assert 0 < sharp < 0.9
    assert not hia.context_entropy['soam_ir'].requires_grad


def test_bad_context_options():
    with pytest.raises(ValueError, match='context_scale'):
        build_hia('median')
    with pytest.raises(ValueError, match='context_axis'):
        build_hia('mean', 'query')
