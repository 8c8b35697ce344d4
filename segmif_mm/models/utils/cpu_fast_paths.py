"""Every CPU fast path of SegMiF's fusion network, behind one switch.

The fusion network runs at full image resolution, where on CPU the cost is
memory traffic more than arithmetic: 64-channel float32 maps of a 640x480
image are 79 MB each, and oneDNN copies a convolution's whole input into its
blocked layout first. The modules therefore keep a plain forward that reads
like the paper, and call the evaluators here instead when
:func:`cpu_fast_path` (or :func:`cpu_inference_fast_path`) says so:

* :func:`apply_in_stripes`: stride-1 convolution stacks (stems, decoder, the
  dense layers of a DRDB) on horizontal stripes with a halo of context rows,
  so their temporaries stay cache-sized; inference only.
* :func:`drdb_inference`: a DRDB writing every dense layer's output into one
  preallocated buffer and fusing it with one matrix product, instead of
  concatenating anew for every layer; inference only.
* :func:`hia_tiled`: HIA in two passes over tiles of pixels (first the
  attention contexts summed over all tiles, then the outputs tile by tile),
  with tile-sized intermediates; exact and differentiable, so it also runs
  in training. In inference it hands over to :func:`hia_inference`, which
  gets the contexts from each input's mean and covariance and folds
  everything up to the MLP's hidden layer into one affine map per stream.
* A workspace: the DRDB's feature buffer is kept between calls of the same
  size (inference only), so its pages are not mapped and faulted in anew
  on every pass (:func:`release_workspace` frees it).
* :func:`cpu_inference_memory`: a whole CPU inference pass of ``SegMiF``
  runs inside :func:`segmif_mm.utils.reuse_freed_memory`, so the large
  activations freed during the pass are reused by the next ones instead of
  being mapped and faulted in anew (glibc).

Stripe and tile sizes follow the CPU's cache sizes
(:func:`cpu_cache_sizes`, :func:`stripe_bytes`, :func:`hia_tile_tokens`),
with fixed fallbacks where the system does not report them.

All are equal to the plain forward up to float rounding; the tests compare
them. Off CPU they only add kernel launches, and while tracing or compiling
the graph must see whole images, so they run on CPU tensors in eager mode
only. Turn them all off with the environment variable
``SEGMIF_CPU_FAST_PATHS=0`` or, in code, ``with use_cpu_fast_paths(False):``.
"""
import copy
import functools
import os
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from segmif_mm.utils.memory import reuse_freed_memory

ENV_SWITCH = 'SEGMIF_CPU_FAST_PATHS'
_enabled = os.environ.get(ENV_SWITCH, '1') != '0'

# Stripe size of apply_in_stripes and pixels per HIA tile; None (default):
# derived from the cache sizes by stripe_bytes() and hia_tile_tokens().
# Set an int to force a size (tests force tiny ones).
STRIPE_BYTES: Optional[int] = None
HIA_TILE_TOKENS: Optional[int] = None
# Used where the system reports no cache sizes.
FALLBACK_STRIPE_BYTES = 2**24
FALLBACK_HIA_TILE_TOKENS = 4096
# Stripes stay at or below 16 MiB: with their context rows and oneDNN's
# reordered copy, a stripe's temporaries then stay below glibc's largest
# dynamic mmap threshold (32 MiB), so they come from the heap and are
# reused instead of being mapped and faulted in for every stripe.
MAX_STRIPE_BYTES = 2**24
MIN_STRIPE_BYTES = 2**21
# Bytes per pixel of an HIA inference tile (channels-first, C = 64): the
# hidden MLP layer (2C floats) and the output (C floats) plus the two input
# columns read (2C floats), rounded to 1 KiB.
HIA_BYTES_PER_TOKEN = 1024
MIN_HIA_TILE_TOKENS = 1024
MAX_HIA_TILE_TOKENS = 16384


@contextmanager
def use_cpu_fast_paths(enabled: bool) -> Iterator[None]:
    """Switch all CPU fast paths on or off inside the block.

    Example:
        >>> with use_cpu_fast_paths(False):
        ...     plain = model(inputs, mode='tensor')
    """
    global _enabled
    previous, _enabled = _enabled, bool(enabled)
    try:
        yield
    finally:
        _enabled = previous


def _parse_size(text: str) -> Optional[int]:
    """Bytes of a sysfs cache size such as ``2048K`` or ``300M``."""
    text = text.strip().upper()
    units = {'K': 2**10, 'M': 2**20, 'G': 2**30}
    try:
        if text and text[-1] in units:
            return int(text[:-1]) * units[text[-1]]
        return int(text)
    except ValueError:
        return None


def _count_cpus(cpu_list: str) -> int:
    """Number of CPUs in a sysfs list such as ``0-3,8``."""
    count = 0
    for part in cpu_list.strip().split(','):
        if '-' in part:
            first, last = part.split('-')
            count += int(last) - int(first) + 1
        elif part:
            count += 1
    return count


@functools.lru_cache(maxsize=None)
def cpu_cache_sizes() -> Dict[str, int]:
    """Data cache sizes of this machine's first CPU, as the system reports.

    Reads ``/sys/devices/system/cpu/cpu0/cache/index*`` (Linux): per level
    the size in bytes (``l1``, ``l2``, ``l3``) and the number of CPUs
    sharing it (``l2_cpus``, ``l3_cpus``); falls back to
    ``os.sysconf('SC_LEVEL*_CACHE_SIZE')`` (glibc). Levels the system does
    not report are missing (an empty dict where nothing is reported, e.g.
    on macOS or Windows). Virtual machines report what the hypervisor
    passes on, e.g. the host's whole L3.

    Returns:
        dict[str, int]: Sizes and sharing counts found.
    """
    sizes: Dict[str, int] = {}
    root = '/sys/devices/system/cpu/cpu0/cache'
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        entries = []
    for entry in entries:
        if not entry.startswith('index'):
            continue
        folder = os.path.join(root, entry)
        try:
            with open(os.path.join(folder, 'type')) as f:
                kind = f.read().strip()
            with open(os.path.join(folder, 'level')) as f:
                level = int(f.read())
            with open(os.path.join(folder, 'size')) as f:
                size = _parse_size(f.read())
        except (OSError, ValueError):
            continue
        if kind == 'Instruction' or not size:
            continue
        sizes[f'l{level}'] = size
        try:
            with open(os.path.join(folder, 'shared_cpu_list')) as f:
                sizes[f'l{level}_cpus'] = max(_count_cpus(f.read()), 1)
        except (OSError, ValueError):
            pass
    for level, name in ((1, 'SC_LEVEL1_DCACHE_SIZE'),
                        (2, 'SC_LEVEL2_CACHE_SIZE'), (3,
                                                      'SC_LEVEL3_CACHE_SIZE')):
        if f'l{level}' in sizes:
            continue
        try:
            size = os.sysconf(name)
        except (ValueError, OSError, AttributeError):
            continue
        if size and size > 0:
            sizes[f'l{level}'] = size
    return sizes


def _pow2_floor(value: float) -> int:
    return 1 << max(int(value), 1).bit_length() - 1


def stripe_bytes(threads: Optional[int] = None) -> int:
    """Stripe size of :func:`apply_in_stripes`, from the last-level cache.

    A stripe's working set is its input (this size), oneDNN's reordered
    copy of it and the output, about four times the input at most; the
    stripe is sized so that this fits in the part of the last-level cache
    that the threads in use can claim (``threads / CPUs sharing it`` of
    the cache, all of it when more threads than sharers), rounded down to
    a power of two and kept within
    [:data:`MIN_STRIPE_BYTES`, :data:`MAX_STRIPE_BYTES`] (see there).
    :data:`STRIPE_BYTES` overrides it; without cache information it is
    :data:`FALLBACK_STRIPE_BYTES`.

    Args:
        threads (int, optional): Threads computing. Defaults to None
            (``torch.get_num_threads()``).

    Returns:
        int: Bytes of the largest tensor of one stripe.
    """
    if STRIPE_BYTES is not None:
        return STRIPE_BYTES
    caches = cpu_cache_sizes()
    level = 'l3' if 'l3' in caches else 'l2' if 'l2' in caches else None
    if level is None:
        return FALLBACK_STRIPE_BYTES
    threads = threads or torch.get_num_threads()
    sharers = caches.get(f'{level}_cpus', 1)
    share = caches[level] * min(threads, sharers) / sharers
    return min(max(_pow2_floor(share / 4), MIN_STRIPE_BYTES), MAX_STRIPE_BYTES)


def hia_tile_tokens(threads: Optional[int] = None) -> int:
    """Pixels per HIA tile, from the L2 cache size.

    The tile's intermediates (:data:`HIA_BYTES_PER_TOKEN` per pixel) should
    fit in the L2 caches of the threads in use (``threads x L2``; a tile's
    matrix products are split across the threads), rounded down to a power
    of two and kept within [:data:`MIN_HIA_TILE_TOKENS`,
    :data:`MAX_HIA_TILE_TOKENS`] (small tiles cost more in per-operation
    overhead than they gain). :data:`HIA_TILE_TOKENS` overrides it; without
    cache information it is :data:`FALLBACK_HIA_TILE_TOKENS`.

    Args:
        threads (int, optional): Threads computing. Defaults to None
            (``torch.get_num_threads()``).

    Returns:
        int: Pixels per tile.
    """
    if HIA_TILE_TOKENS is not None:
        return HIA_TILE_TOKENS
    caches = cpu_cache_sizes()
    if 'l2' not in caches:
        return FALLBACK_HIA_TILE_TOKENS
    threads = threads or torch.get_num_threads()
    sharers = caches.get('l2_cpus', 1)
    total = caches['l2'] * max(threads // sharers, 1)
    return min(
        max(_pow2_floor(total / HIA_BYTES_PER_TOKEN), MIN_HIA_TILE_TOKENS),
        MAX_HIA_TILE_TOKENS)


class _Workspace:
    """Scratch buffers of the inference paths, kept between calls.

    :meth:`buffer` lends a buffer of a shape and dtype, reusing the one
    returned last if it matches, so repeated forwards at one image size do
    not map and fault in fresh pages for it every time. One buffer is kept
    (the DRDBs of a model share it); a call while it is lent out (another
    thread) gets a fresh one. Contents are undefined.
    """

    def __init__(self) -> None:
        self._kept: Dict[tuple, Tensor] = {}

    @contextmanager
    def buffer(self, shape: Sequence[int], like: Tensor) -> Iterator[Tensor]:
        key = (tuple(shape), like.dtype, like.device,
               torch.is_inference_mode_enabled())
        buf = self._kept.pop(key, None)
        if buf is None:
            buf = like.new_empty(shape)
        try:
            yield buf
        finally:
            self._kept = {key: buf}

    def release(self) -> None:
        self._kept = {}


_workspace = _Workspace()


def release_workspace() -> None:
    """Free the scratch buffer the inference paths keep between calls
    (e.g. after the last image of a run, in a long-lived process)."""
    _workspace.release()


def cpu_fast_path(x: Tensor) -> bool:
    """Whether the fast paths apply to a computation on ``x``.

    Args:
        x (Tensor): A tensor of the computation.

    Returns:
        bool: True for CPU tensors in eager mode, unless switched off.
    """
    return (_enabled and x.device.type == 'cpu' and not torch.jit.is_tracing()
            and not torch.compiler.is_compiling())


def cpu_inference_fast_path(module: nn.Module, x: Tensor) -> bool:
    """Whether the inference-only fast paths apply.

    They write into preallocated buffers, which autograd cannot
    differentiate through, and compute stripe by stripe, which a norm layer
    computing batch statistics (train mode) would not allow.

    Args:
        module (nn.Module): The module asking.
        x (Tensor): Its input.

    Returns:
        bool: :func:`cpu_fast_path` for a module in eval mode with autograd
        off (``torch.no_grad`` or ``torch.inference_mode``).
    """
    return (cpu_fast_path(x) and not module.training
            and not torch.is_grad_enabled())


@contextmanager
def cpu_inference_memory(module: nn.Module, x: Tensor) -> Iterator[None]:
    """Run a CPU inference pass with freed large blocks reused.

    Inside :func:`segmif_mm.utils.reuse_freed_memory` when
    :func:`cpu_inference_fast_path` holds for ``module`` and ``x``, as is
    otherwise. At 640x480 a SegMiF forward allocates about 2.5 GB of
    activations in blocks of 20-300 MB; with glibc's default thresholds
    each is mapped afresh and faulted in page by page, about a sixth of the
    time of the pass on a 2-core machine.

    Args:
        module (nn.Module): The model running the pass.
        x (Tensor): Its input.
    """
    if cpu_inference_fast_path(module, x):
        with reuse_freed_memory():
            yield
    else:
        yield


def conv_halo(module: nn.Module) -> int:
    """Rows of context that one output row of a stack of stride-1,
    size-keeping convolutions needs on either side: the sum of
    ``dilation * (kernel_size // 2)`` over the stack's ``Conv2d`` layers."""
    return sum(m.dilation[0] * (m.kernel_size[0] // 2)
               for m in module.modules() if isinstance(m, nn.Conv2d))


def apply_in_stripes(fn: Callable[[int, int], Tensor],
                     out: Tensor,
                     halo: int,
                     row_bytes: int,
                     max_bytes: Optional[int] = None) -> Tensor:
    """Compute a spatial operation on horizontal stripes of the image.

    ``fn(start, end)`` must return the operation applied to input rows
    ``start:end`` alone, where each output row depends only on the input
    rows within ``halo`` rows of it (stride-1 convolutions zero-padded to
    keep the size). Each stripe is computed with ``halo`` rows of context on
    either side (none beyond the image border, where the convolutions pad
    with zeros as they do for the whole image) and only its own rows are
    kept, so ``out`` equals the operation on the whole image. The context
    rows are computed twice, a small overhead for stripes much taller than
    ``2 * halo``.

    Args:
        fn (Callable[[int, int], Tensor]): Operation on input rows
            ``[start, end)``, returning ``[B, C', end - start, W]``.
        out (Tensor): Output ``[B, C', H, W]``, written in place.
        halo (int): Rows of context each output row needs on either side.
        row_bytes (int): Bytes of one image row of the operation's largest
            tensor (all batch items and channels), to size the stripes.
        max_bytes (int, optional): Approximate size of that tensor for one
            stripe with its context; at least ``8 * halo`` rows are taken
            per stripe. Defaults to None (:func:`stripe_bytes`).

    Returns:
        Tensor: ``out``.
    """
    height = out.shape[2]
    max_bytes = stripe_bytes() if max_bytes is None else max_bytes
    rows = max(max_bytes // max(row_bytes, 1) - 2 * halo, 8 * halo, 1)
    for top in range(0, height, rows):
        bottom = min(top + rows, height)
        start, end = max(top - halo, 0), min(bottom + halo, height)
        out[:, :, top:bottom] = fn(start, end)[:, :,
                                               top - start:bottom - start]
    return out


def striped_conv(layer: nn.Module, inputs: Sequence[Tensor],
                 out_channels: int) -> Tensor:
    """A stride-1, size-keeping convolution stack on stripes.

    Args:
        layer (nn.Module): The stack (e.g. a stem ``ConvModule``).
        inputs (Sequence[Tensor]): Maps ``[B, C_i, H, W]``, concatenated
            along the channels stripe by stripe (the whole concatenation is
            never formed).
        out_channels (int): Channels of the stack's output.

    Returns:
        Tensor: ``layer(cat(inputs))``, ``[B, out_channels, H, W]``.
    """
    first = inputs[0]
    out = first.new_empty(first.shape[0], out_channels, *first.shape[2:])
    in_channels = sum(x.shape[1] for x in inputs)
    return apply_in_stripes(
        lambda start, end: layer(
            torch.cat([x[:, :, start:end] for x in inputs], dim=1)),
        out,
        halo=conv_halo(layer),
        row_bytes=max(in_channels, out_channels) * first.shape[0] *
        first.shape[3] * first.element_size())


def drdb_inference(block: nn.Module, x: Tensor) -> Tensor:
    """A DRDB's forward with one preallocated feature buffer.

    Writes the input and every dense layer's output into one
    ``[B, C + L * growth, H, W]`` buffer and convolves over its growing
    channel prefix (in stripes) instead of concatenating all features anew
    for every layer; the 1x1 fusion is a matrix product on the buffer (a
    1x1 convolution is one, and oneDNN would first copy the whole buffer
    into its blocked layout). The buffer comes from the workspace, so
    the next DRDB of the same size reuses its pages.

    Args:
        block (nn.Module): A ``DRDB`` (``dense_layers`` of ``ConvModule``,
            1x1 ``fuse``).
        x (Tensor): Features ``[B, C, H, W]``.

    Returns:
        Tensor: ``x + fuse([x, x_1, ..., x_L])``, ``[B, C, H, W]``.
    """
    channels = x.shape[1]
    growths = [layer.conv.out_channels for layer in block.dense_layers]
    shape = (x.shape[0], channels + sum(growths), *x.shape[2:])
    with _workspace.buffer(shape, x) as features:
        features[:, :channels] = x
        row_bytes = features[:, :1, :1].numel() * features.element_size()
        for layer, growth in zip(block.dense_layers, growths):
            inputs = features[:, :channels]
            apply_in_stripes(
                lambda start, end: layer(inputs[:, :, start:end]),
                features[:, channels:channels + growth],
                halo=conv_halo(layer),
                row_bytes=row_bytes * channels)
            channels += growth
        batch = features.shape[0]
        weight = block.fuse.weight.view(1, -1, channels).to(features.dtype)
        out = torch.baddbmm(
            block.fuse.bias.view(1, -1, 1).to(features.dtype),
            weight.expand(batch, -1, -1), features.view(batch, channels, -1))
    return out.view_as(x).add_(x)


def _tiles(streams: Dict[str, Tensor],
           tile_tokens: int) -> Iterator[Dict[str, Tensor]]:
    """Tokens ``[B, n, C]`` of consecutive tiles of flattened features."""
    num_tokens = next(iter(streams.values())).shape[2]
    for start in range(0, num_tokens, tile_tokens):
        yield {
            name: f[:, :, start:start + tile_tokens].transpose(1,
                                                               2).contiguous()
            for name, f in streams.items()
        }


def hia_tiled(hia: nn.Module,
              f_ir: Tensor,
              f_vis: Tensor,
              f_seg: Optional[Tensor],
              tile_tokens: Optional[int] = None) -> Tuple[Tensor, Tensor]:
    """HIA's forward over tiles of pixels, in two passes.

    The first pass sums every tile's share of the context logits
    (``hia.context_logits``, additive over pixels), the second computes
    the outputs tile by tile from the whole image's contexts; the channel
    embeddings are computed in both passes rather than kept at full size.

    Args:
        hia (nn.Module): A ``HierarchicalInteractiveAttention``.
        f_ir (Tensor): Infrared features ``[B, C, H, W]``.
        f_vis (Tensor): Visible features ``[B, C, H, W]``.
        f_seg (Tensor, optional): Semantic features ``[B, C, H, W]``; None
            when the module uses none.
        tile_tokens (int, optional): Pixels per tile. Defaults to None
            (:func:`hia_tile_tokens`).

    In inference (``hia`` in eval mode, autograd off) this returns
    :func:`hia_inference` instead, which needs no embeddings at full
    size at all.

    Returns:
        tuple[Tensor, Tensor]: ``(f_ir', f_vis')``, each ``[B, C, H, W]``.
    """
    if not hia.training and not torch.is_grad_enabled():
        return hia_inference(hia, f_ir, f_vis, f_seg, tile_tokens)
    tile_tokens = tile_tokens or hia_tile_tokens()
    batch, channels, height, width = f_ir.shape
    streams = dict(ir=f_ir.flatten(2), vis=f_vis.flatten(2))
    if f_seg is not None:
        streams['seg'] = f_seg.flatten(2)
    contexts = {}
    if hia.uses_semantic_features:
        sums: Dict[str, Tensor] = {}
        for tokens in _tiles(streams, tile_tokens):
            shares = hia.context_logits(hia.embed(tokens), height * width)
            for name, share in shares.items():
                sums[name] = sums[name] + share if name in sums else share
        contexts = hia.contexts_from_logits(sums)
    outs = dict(ir=[], vis=[])
    for tokens in _tiles(streams, tile_tokens):
        tile_outs = hia.outputs(tokens,
                                hia.interact(hia.embed(tokens), contexts))
        for name in outs:
            outs[name].append(tile_outs[name].transpose(1, 2))
    return tuple(
        torch.cat(outs[name], dim=2).reshape(batch, channels, height, width)
        for name in ('ir', 'vis'))


def _mean_and_scatter(x: Tensor, tile_tokens: int) -> Tuple[Tensor, Tensor]:
    """Mean ``[C]`` and scatter matrix ``sum_n (x_n - mean)(x_n - mean)^T``
    ``[C, C]`` of the columns of ``x`` ``[C, N]``, in float64.

    Products are taken tile by tile in float32 around the float32 mean and
    summed in float64; the scatter is then corrected to the float64 mean
    (exactly: ``sum (x - c)(x - c)^T = S + N (mean - c)(mean - c)^T``).
    """
    num_tokens = x.shape[1]
    total = x.new_zeros(x.shape[0], dtype=torch.float64)
    for start in range(0, num_tokens, tile_tokens):
        total += x[:, start:start + tile_tokens].float().sum(1).double()
    mean = total / num_tokens
    centre = mean.float()
    scatter = x.new_zeros(x.shape[0], x.shape[0], dtype=torch.float64)
    for start in range(0, num_tokens, tile_tokens):
        tile = x[:, start:start + tile_tokens].float() - centre[:, None]
        scatter += (tile @ tile.T).double()
    offset = centre.double() - mean
    return mean, scatter - num_tokens * torch.outer(offset, offset)


def _hia_contexts(exact: nn.Module, streams: Dict[str, Tensor],
                  tile_tokens: int) -> Dict[str, Tensor]:
    """The attention contexts of one image from its streams' moments.

    ``context_logits`` sums, over pixels, a quadratic polynomial ``f`` of
    each pixel's features (the keys and values are affine in them). For
    features with mean ``m`` and scatter ``S = sum_j l_j v_j v_j^T``
    (eigendecomposition), ``sum_n f(x_n) = N f(m) + q(S)``, where ``q`` is
    ``f``'s quadratic part, and ``q(S) = sum_j [f(m + t_j) + f(m - t_j)] -
    2C f(m)`` with ``t_j = sqrt(l_j / 2) v_j``. So the module's own
    ``embed``/``context_logits`` evaluated on ``2C + 1`` virtual pixels
    give the whole image's logits exactly; ``exact`` is a float64 copy of
    the module, so these few pixels are computed in double precision.

    Args:
        exact (nn.Module): Float64 copy of the HIA.
        streams (dict[str, Tensor]): Features ``[C, N]`` per stream.
        tile_tokens (int): Columns per matrix product of the moments.

    Returns:
        dict[str, Tensor]: ``exact.contexts_from_logits`` of the image,
        ``[1, heads, d, d]`` float64.
    """
    num_tokens = next(iter(streams.values())).shape[1]
    spread_pixels, mean_pixel = {}, {}
    for name, x in streams.items():
        mean, scatter = _mean_and_scatter(x, max(tile_tokens, 16384))
        eigenvalues, eigenvectors = torch.linalg.eigh(scatter)
        spread = (eigenvectors * eigenvalues.clamp_min(0).div(2).sqrt()).T
        spread_pixels[name] = (mean + torch.cat([spread, -spread]))[None]
        mean_pixel[name] = mean[None, None]
    num_virtual = next(iter(spread_pixels.values())).shape[1]

    def logits(tokens: Dict[str, Tensor]) -> Dict[str, Tensor]:
        return exact.context_logits(exact.embed(tokens), num_tokens)

    at_spread, at_mean = logits(spread_pixels), logits(mean_pixel)
    return exact.contexts_from_logits({
        key:
        at_spread[key].double() +
        (num_tokens - num_virtual) * at_mean[key].double()
        for key in at_spread
    })


def _flush_denormals(x: Tensor, dtype: torch.dtype) -> Tensor:
    """``x`` in ``dtype`` with entries below its smallest normal number set
    to zero (denormal operands make float products many times slower)."""
    return x.masked_fill(x.abs() < torch.finfo(dtype).tiny, 0).to(dtype)


def _hia_folds(exact: nn.Module, names: List[str], channels: int,
               contexts: Dict[str, Tensor], dtype: torch.dtype) -> dict:
    """Per modality, the affine map from the input features to the hidden
    layer of its MLP, given the image's contexts.

    With the contexts fixed, ``interact(embed(tokens))`` is affine in the
    tokens (embeddings, queries and the attention ``Q G`` are all linear),
    and so is the MLP's first ``Linear``; the map is read off the float64
    module by probing it with the zero pixel and one unit pixel per
    channel and stream.

    Returns:
        dict[str, tuple]: Per modality ``(bias [hidden, 1], [(stream,
        matrix [hidden, C]), ...])`` in ``dtype``, for the streams the
        modality depends on.
    """
    probe = {
        name:
        torch.zeros(
            1, 1 + len(names) * channels, channels, dtype=torch.float64)
        for name in names
    }
    for i, name in enumerate(names):
        probe[name][0, 1 + i * channels:1 + (i + 1) * channels] = torch.eye(
            channels, dtype=torch.float64)
    mixed = exact.interact(exact.embed(probe), contexts)
    folds = {}
    for modality in ('ir', 'vis'):
        hidden = exact.mlps[modality][0](mixed[modality][0])
        base = hidden[0]
        matrices = []
        for i, name in enumerate(names):
            jacobian = hidden[1 + i * channels:1 + (i + 1) * channels] - base
            if jacobian.abs().max() > 0:
                matrices.append((name, _flush_denormals(jacobian.T,
                                                        dtype).contiguous()))
        folds[modality] = (_flush_denormals(base, dtype)[:, None], matrices)
    return folds


def _residual_norm_channels_first(norm: nn.Module, x: Tensor, y: Tensor,
                                  out: Tensor) -> None:
    """``out = norm(x + y)`` over the channels of ``[C, n]`` maps, computed
    in float32; ``y`` (a temporary) may be overwritten."""
    y = y.float().add_(x)
    if not (isinstance(norm, nn.LayerNorm)
            and norm.normalized_shape == (y.shape[0], )):
        out.copy_(norm(y.T).T)
        return
    y.sub_(y.mean(0))
    y.mul_(y.square().mean(0).add_(norm.eps).rsqrt_())
    if not norm.elementwise_affine:
        out.copy_(y)
    elif out.dtype == torch.float32:
        torch.addcmul(norm.bias[:, None], y, norm.weight[:, None], out=out)
    else:
        out.copy_(torch.addcmul(norm.bias[:, None], y, norm.weight[:, None]))


def hia_inference(hia: nn.Module,
                  f_ir: Tensor,
                  f_vis: Tensor,
                  f_seg: Optional[Tensor],
                  tile_tokens: Optional[int] = None) -> Tuple[Tensor, Tensor]:
    """HIA's forward for inference, with no per-pixel embedding.

    Per image:

    1. Contexts: the mean and scatter matrix (``C x C``) of each input
       stream give the whole image's context logits exactly, evaluated by
       the module's own ``embed``/``context_logits``/``contexts_from_logits``
       on ``2C + 1`` virtual pixels in float64 (:func:`_hia_contexts`).
    2. With the contexts fixed, everything from the input features to the
       pre-activation of each modality's MLP (embeddings, queries,
       ``Q G``, concatenation, first ``Linear``) is one affine map per
       input stream, read off the float64 module (:func:`_hia_folds`).
    3. Tile by tile, channels first (no transposes): the folded maps (one
       matrix product per stream), the MLP's remaining layers, the
       residual and the norm, written into the output.

    Equal to the plain forward up to float rounding (the contexts and the
    folded maps are computed in float64, the per-pixel work in the input's
    dtype). Assumes, as :class:`HierarchicalInteractiveAttention` has it,
    that each ``mlps[x]`` is a ``Sequential`` starting with a ``Linear``
    whose other layers are ``Linear`` or element-wise, and that
    ``context_logits`` sums a quadratic function of each pixel's
    embedding (keys and values linear in it); the equivalence tests check
    both.

    Args:
        hia (nn.Module): A ``HierarchicalInteractiveAttention``.
        f_ir (Tensor): Infrared features ``[B, C, H, W]``.
        f_vis (Tensor): Visible features ``[B, C, H, W]``.
        f_seg (Tensor, optional): Semantic features ``[B, C, H, W]``; None
            when the module uses none.
        tile_tokens (int, optional): Pixels per tile. Defaults to None
            (:func:`hia_tile_tokens`).

    Returns:
        tuple[Tensor, Tensor]: ``(f_ir', f_vis')``, each ``[B, C, H, W]``,
        in the dtype of ``f_ir``.
    """
    tile_tokens = tile_tokens or hia_tile_tokens()
    batch, channels, height, width = f_ir.shape
    num_tokens = height * width
    dtype = f_ir.dtype
    streams = dict(ir=f_ir.flatten(2), vis=f_vis.flatten(2))
    if f_seg is not None and hia.uses_semantic_features:
        streams['seg'] = f_seg.flatten(2)
    streams = {name: f.to(dtype) for name, f in streams.items()}
    outs = {
        x: f_ir.new_empty(batch, channels, num_tokens)
        for x in ('ir', 'vis')
    }
    exact = copy.deepcopy(hia).double()
    with torch.autocast('cpu', enabled=False):
        for b in range(batch):
            contexts = _hia_contexts(exact, {
                name: f[b]
                for name, f in streams.items()
            }, tile_tokens) if hia.uses_semantic_features else {}
            folds = _hia_folds(exact, list(streams), channels, contexts, dtype)
            for start in range(0, num_tokens, tile_tokens):
                end = min(start + tile_tokens, num_tokens)
                for modality, (bias, matrices) in folds.items():
                    hidden = None
                    for name, matrix in matrices:
                        tile = streams[name][b, :, start:end]
                        hidden = torch.addmm(bias, matrix, tile) \
                            if hidden is None else hidden.addmm_(matrix, tile)
                    if hidden is None:
                        hidden = bias.expand(-1, end - start).clone()
                    for layer in list(hia.mlps[modality])[1:]:
                        if isinstance(layer, nn.Linear):
                            hidden = torch.addmm(
                                layer.bias.to(dtype)[:, None],
                                layer.weight.to(dtype), hidden)
                        else:
                            hidden = layer(hidden)
                    _residual_norm_channels_first(
                        hia.norms[modality], streams[modality][b, :,
                                                               start:end],
                        hidden, outs[modality][b, :, start:end])
    return tuple(outs[x].view(batch, channels, height, width)
                 for x in ('ir', 'vis'))
