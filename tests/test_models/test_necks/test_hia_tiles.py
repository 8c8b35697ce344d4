"""HIA's tiled CPU evaluator equals its plain whole-image forward."""
import pytest
import torch

from mmseg.registry import MODELS
from segmif_mm.models.necks import hia as hia_module
from segmif_mm.models.utils import (cpu_fast_paths, hia_inference, hia_tiled,
                                    use_cpu_fast_paths)

SWITCHES = [(True, True), (True, False), (False, True), (False, False)]


def build_hia(use_soam=True, use_moam=True):
    torch.manual_seed(0)
    hia = MODELS.build(
        dict(
            type='HierarchicalInteractiveAttention',
            channels=16,
            num_heads=4,
            use_soam=use_soam,
            use_moam=use_moam))
    with torch.no_grad():
        for name in ('soam_temperature', 'moam_temperature'):
            if hasattr(hia, name):
                getattr(hia, name).uniform_(5, 30)
    return hia


def features(size=(9, 13), batch=2):
    gen = torch.Generator().manual_seed(0)
    return [
        torch.randn(batch, 16, *size, generator=gen).requires_grad_()
        for _ in range(3)
    ]


def output_and_grads(outs, feats):
    grads = torch.autograd.grad(
        sum(o.square().sum() for o in outs), feats, allow_unused=True)
    return outs, grads


@pytest.mark.parametrize('use_soam,use_moam', SWITCHES)
@pytest.mark.parametrize('tile_tokens', [1, 7, 50, 10**6])
def test_tiles_match_whole_image(use_soam, use_moam, tile_tokens):
    hia = build_hia(use_soam, use_moam)
    feats = features()
    with use_cpu_fast_paths(False):
        expected, grads_expected = output_and_grads(hia(feats), feats)
    f_seg = feats[2] if hia.uses_semantic_features else None
    outs, grads = output_and_grads(
        hia_tiled(hia, feats[0], feats[1], f_seg, tile_tokens), feats)
    for out, ref in zip(outs, expected):
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)
    for grad, ref in zip(grads, grads_expected):
        assert (grad is None) == (ref is None)
        if ref is not None:
            torch.testing.assert_close(grad, ref, rtol=0, atol=1e-4)
    with torch.inference_mode():
        fast = hia_tiled(hia, feats[0], feats[1], f_seg, tile_tokens)
    for out, ref in zip(fast, expected):
        torch.testing.assert_close(out, ref.detach(), rtol=0, atol=1e-5)


def test_forward_takes_the_tiled_path_on_cpu_only_when_switched_on(
        monkeypatch):
    hia = build_hia()
    feats = [f.detach() for f in features()]
    calls = []

    def tiled(*args, **kwargs):
        calls.append(args[0])
        return hia_tiled(*args, **kwargs)

    monkeypatch.setattr(hia_module, 'hia_tiled', tiled)
    monkeypatch.setattr(cpu_fast_paths, 'HIA_TILE_TOKENS', 10)
    with torch.no_grad():
        fast = hia(feats)
        assert calls == [hia]
        with use_cpu_fast_paths(False):
            plain = hia(feats)
    assert calls == [hia]
    for out, ref in zip(fast, plain):
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)


def test_bfloat16_autocast_stays_close():
    hia = build_hia().eval()
    feats = [f.detach() for f in features(size=(12, 12), batch=1)]
    with torch.no_grad():
        expected = hia(feats)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            outs = hia(feats)
    for out, ref in zip(outs, expected):
        assert torch.isfinite(out).all()
        torch.testing.assert_close(out.float(), ref, rtol=0, atol=0.1)


@pytest.mark.parametrize('use_soam,use_moam', SWITCHES)
@pytest.mark.parametrize('tile_tokens', [5, 10**6])
def test_inference_path_matches_whole_image(use_soam, use_moam, tile_tokens):
    """Contexts from the moments and folded maps equal the plain forward,
    also for features far from zero mean and sharp contexts."""
    hia = build_hia(use_soam, use_moam).eval()
    gen = torch.Generator().manual_seed(1)
    feats = [
        torch.randn(2, 16, 11, 7, generator=gen) * 0.5 + offset
        for offset in (3.0, -2.0, 4.0)
    ]
    f_seg = feats[2] if hia.uses_semantic_features else None
    with torch.no_grad():
        with use_cpu_fast_paths(False):
            expected = hia(feats)
        fast = hia_inference(hia, feats[0], feats[1], f_seg, tile_tokens)
        dispatched = hia_tiled(hia, feats[0], feats[1], f_seg, tile_tokens)
    for out, same, ref in zip(fast, dispatched, expected):
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)
        torch.testing.assert_close(same, out, rtol=0, atol=0)


def test_forward_in_inference_takes_the_folded_path(monkeypatch):
    hia = build_hia().eval()
    feats = [f.detach() for f in features()]
    calls = []

    def folded(*args, **kwargs):
        calls.append(args[0])
        return hia_inference(*args, **kwargs)

    monkeypatch.setattr(cpu_fast_paths, 'hia_inference', folded)
    with torch.no_grad():
        hia(feats)
    assert calls == [hia]
    hia(feats)  # autograd on: the differentiable tiled path
    assert calls == [hia]


def test_inference_path_under_bfloat16_autocast():
    hia = build_hia().eval()
    feats = [f.detach() for f in features(size=(12, 12), batch=1)]
    with torch.no_grad():
        expected = hia(feats)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            outs = hia_inference(hia, *[f.bfloat16() for f in feats])
    for out, ref in zip(outs, expected):
        assert out.dtype == torch.bfloat16
        torch.testing.assert_close(out.float(), ref, rtol=0, atol=0.1)
