"""HIA computed in tiles of pixels equals HIA on the whole image."""
import pytest
import torch

from mmseg.registry import MODELS

SWITCHES = [(True, True), (True, False), (False, True), (False, False)]


def build_hia(chunk_size, use_soam=True, use_moam=True):
    torch.manual_seed(0)
    hia = MODELS.build(
        dict(
            type='HierarchicalInteractiveAttention',
            channels=16,
            num_heads=4,
            use_soam=use_soam,
            use_moam=use_moam,
            chunk_size=chunk_size))
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


@pytest.mark.parametrize('use_soam,use_moam', SWITCHES)
@pytest.mark.parametrize('chunk_size', [1, 7, 50])
def test_tiles_match_whole_image(use_soam, use_moam, chunk_size):
    whole = build_hia(10**6, use_soam, use_moam)
    tiled = build_hia(chunk_size, use_soam, use_moam)
    feats = features()
    expected = whole(feats)
    grads_expected = torch.autograd.grad(
        sum(o.square().sum() for o in expected), feats, allow_unused=True)
    outs = tiled(feats)
    grads = torch.autograd.grad(
        sum(o.square().sum() for o in outs), feats, allow_unused=True)
    for out, ref in zip(outs, expected):
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)
    for grad, ref in zip(grads, grads_expected):
        assert (grad is None) == (ref is None)
        if ref is not None:
            torch.testing.assert_close(grad, ref, rtol=0, atol=1e-4)
    with torch.inference_mode():
        fast = tiled(feats)
    for out, ref in zip(fast, expected):
        torch.testing.assert_close(out, ref.detach(), rtol=0, atol=1e-5)


def test_bfloat16_autocast_stays_close():
    hia = build_hia(16).eval()
    feats = [f.detach() for f in features(size=(12, 12), batch=1)]
    with torch.no_grad():
        expected = hia(feats)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            outs = hia(feats)
    for out, ref in zip(outs, expected):
        assert torch.isfinite(out).all()
        torch.testing.assert_close(out.float(), ref, rtol=0, atol=0.1)


def test_bad_chunk_size():
    with pytest.raises(ValueError, match='chunk_size'):
        build_hia(0)


@pytest.mark.parametrize('device,num_tiles', [('cpu', 5), ('meta', 1)])
def test_tiles_only_on_cpu(device, num_tiles):
    hia = build_hia(chunk_size=25)
    streams = {
        name: torch.empty(2, 16, 117, device=device)
        for name in ('ir', 'vis')
    }
    tiles = list(hia.tiles(streams))
    assert len(tiles) == num_tiles
    assert sum(t['ir'].shape[1] for t in tiles) == 117
