"""FoldedHIA against the plain HIA it replaces."""
import pytest
import torch

from mmseg.registry import MODELS
from segmif_mm.deploy import FoldedHIA

SWITCHES = [(True, True), (True, False), (False, True), (False, False)]
FORMS = [(scale, axis) for scale in ('mean', 'sum', 'cosine')
         for axis in ('value', 'key')]


def build_hia(use_soam=True, use_moam=True, **kwargs):
    torch.manual_seed(0)
    hia = MODELS.build(
        dict(
            type='HierarchicalInteractiveAttention',
            channels=16,
            num_heads=4,
            use_soam=use_soam,
            use_moam=use_moam,
            **kwargs))
    with torch.no_grad():
        # sharp, distinct temperatures: contexts far from uniform
        for name in ('soam_temperature', 'moam_temperature'):
            if hasattr(hia, name):
                getattr(hia, name).uniform_(5, 30)
    return hia.eval()


def features(size=(11, 7), batch=2, seed=1):
    """Features far from zero mean, as after a DRDB."""
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.randn(batch, 16, *size, generator=gen) * 0.5 + offset
        for offset in (3.0, -2.0, 4.0)
    ]


def check_parity(hia, folded, feats, atol=1e-5):
    with torch.no_grad():
        expected = hia(feats)
        outs = folded(feats)
    for out, ref in zip(outs, expected):
        assert out.shape == ref.shape and out.dtype == ref.dtype
        torch.testing.assert_close(out, ref, rtol=0, atol=atol)


@pytest.mark.parametrize('use_soam,use_moam', SWITCHES)
@pytest.mark.parametrize('tile_tokens', [1, 5, 50, 10**6])
def test_matches_the_plain_module(use_soam, use_moam, tile_tokens):
    hia = build_hia(use_soam, use_moam)
    feats = features()
    if not hia.uses_semantic_features:
        feats[2] = None
    check_parity(hia, FoldedHIA(hia, tile_tokens), feats)


@pytest.mark.parametrize('scale,axis', FORMS)
def test_matches_every_context_form(scale, axis):
    hia = build_hia(context_scale=scale, context_axis=axis)
    check_parity(hia, FoldedHIA(hia, 13), features(size=(9, 13)))


def test_sees_new_weights_at_once():
    hia = build_hia()
    folded = FoldedHIA(hia, 16)
    assert folded.hia is hia
    assert set(folded.state_dict()) == {f'hia.{k}' for k in hia.state_dict()}
    with torch.no_grad():
        for param in hia.parameters():
            param.mul_(1.1)
    check_parity(hia, folded, features())


def test_bfloat16_autocast_stays_close():
    hia = build_hia()
    feats = features(size=(12, 12), batch=1)
    with torch.no_grad():
        expected = hia(feats)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            outs = FoldedHIA(hia, 16)([f.bfloat16() for f in feats])
    for out, ref in zip(outs, expected):
        assert out.dtype == torch.bfloat16
        torch.testing.assert_close(out.float(), ref, rtol=0, atol=0.1)


def test_checks_inputs_and_refuses_autograd():
    hia = build_hia()
    folded = FoldedHIA(hia, 16)
    with pytest.raises(RuntimeError, match='inference only'):
        folded(features())
    with torch.no_grad(), pytest.raises(ValueError, match='f_seg is None'):
        folded(features()[:2] + [None])
