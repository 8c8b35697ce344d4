"""Stripe and tile sizes from the cache sizes, and the inference workspace."""
from contextlib import contextmanager

import pytest
import torch

from segmif_mm.models.fusion_heads import DRDB
from segmif_mm.models.utils import (cpu_cache_sizes, cpu_fast_paths,
                                    hia_tile_tokens, release_workspace,
                                    stripe_bytes, use_cpu_fast_paths)

MIB = 2**20


def test_parsers():
    assert cpu_fast_paths._parse_size('48K\n') == 48 * 2**10
    assert cpu_fast_paths._parse_size('300M') == 300 * MIB
    assert cpu_fast_paths._parse_size('1024') == 1024
    assert cpu_fast_paths._parse_size('x') is None
    assert cpu_fast_paths._count_cpus('0-3,8,10-11\n') == 7
    assert cpu_fast_paths._count_cpus('5') == 1


def test_cache_sizes_of_this_machine_are_plausible():
    caches = cpu_cache_sizes()
    for level in ('l1', 'l2', 'l3'):
        if level in caches:
            assert 2**12 <= caches[level] <= 2**32
    assert 1 <= stripe_bytes() // MIB <= 16
    assert 1024 <= hia_tile_tokens() <= 16384


@pytest.mark.parametrize(
    'caches,threads,stripe,tile',
    [
        # Intel Xeon VM (2 vCPUs): 2 MiB L2 per core, 300 MiB L3 reported.
        (dict(l1=48 << 10, l2=2 * MIB, l2_cpus=1, l3=300 * MIB,
              l3_cpus=2), 2, 16 * MIB, 4096),
        # AMD Zen 4: 1 MiB L2 per core, 32 MiB L3 shared by 8 cores.
        (dict(l2=MIB, l2_cpus=1, l3=32 * MIB, l3_cpus=8), 2, 2 * MIB, 2048),
        (dict(l2=MIB, l2_cpus=1, l3=32 * MIB, l3_cpus=8), 8, 8 * MIB, 8192),
        # L2 only, shared by two hyper-threads.
        (dict(l2=4 * MIB, l2_cpus=2), 1, MIB * 2, 4096),
        # Nothing reported: the fallbacks.
        ({}, 2, cpu_fast_paths.FALLBACK_STRIPE_BYTES,
         cpu_fast_paths.FALLBACK_HIA_TILE_TOKENS),
    ])
def test_sizes_follow_the_caches(caches, threads, stripe, tile, monkeypatch):
    monkeypatch.setattr(cpu_fast_paths, 'cpu_cache_sizes', lambda: caches)
    assert stripe_bytes(threads) == stripe
    assert hia_tile_tokens(threads) == tile


def test_constants_override(monkeypatch):
    monkeypatch.setattr(cpu_fast_paths, 'STRIPE_BYTES', 123)
    monkeypatch.setattr(cpu_fast_paths, 'HIA_TILE_TOKENS', 7)
    assert stripe_bytes() == 123
    assert hia_tile_tokens() == 7


def test_drdb_reuses_its_buffer_and_stays_exact():
    torch.manual_seed(0)
    block = DRDB(8, growth=4, dilations=(1, 2)).eval()
    x = torch.randn(1, 8, 10, 12)
    y = torch.randn(1, 8, 10, 12)
    with torch.no_grad():
        with use_cpu_fast_paths(False):
            plain_x, plain_y = block(x), block(y)
        release_workspace()
        first = block(x)
        kept = dict(cpu_fast_paths._workspace._kept)
        second = block(y)
        assert [t.data_ptr() for t in kept.values()] == [
            t.data_ptr() for t in cpu_fast_paths._workspace._kept.values()
        ]
    with torch.inference_mode():
        third = block(x)  # inference tensors: a buffer of their own
    torch.testing.assert_close(first, plain_x, rtol=0, atol=1e-6)
    torch.testing.assert_close(second, plain_y, rtol=0, atol=1e-6)
    torch.testing.assert_close(third, plain_x, rtol=0, atol=1e-6)
    release_workspace()
    assert cpu_fast_paths._workspace._kept == {}


def test_segmif_cpu_inference_pass_reuses_freed_memory(monkeypatch):
    from mmengine.config import Config

    from segmif_mm.apis import init_model
    scopes = []

    @contextmanager
    def recording():
        scopes.append('entered')
        yield True

    monkeypatch.setattr(cpu_fast_paths, 'reuse_freed_memory', recording)
    cfg = Config.fromfile('tests/configs/segmif_tiny.py')
    model = init_model(cfg)
    inputs = torch.rand(2, 4, 32, 32)
    with torch.no_grad():
        model(inputs, mode='tensor')
    assert scopes == ['entered']
    model.train()
    with torch.no_grad():
        model(inputs, mode='tensor')  # train mode: no inference paths
    model.eval()
    model(inputs, mode='tensor')  # autograd on: no inference paths
    assert scopes == ['entered']
