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
  in training.

All are equal to the plain forward up to float rounding; the tests compare
them. Off CPU they only add kernel launches, and while tracing or compiling
the graph must see whole images, so they run on CPU tensors in eager mode
only. Turn them all off with the environment variable
``SEGMIF_CPU_FAST_PATHS=0`` or, in code, ``with use_cpu_fast_paths(False):``.
"""
import os
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

ENV_SWITCH = 'SEGMIF_CPU_FAST_PATHS'
_enabled = os.environ.get(ENV_SWITCH, '1') != '0'

# Stripe size of apply_in_stripes: below glibc's largest dynamic mmap
# threshold (32 MiB), so freed stripe buffers are reused.
STRIPE_BYTES = 2**24
# Pixels per HIA tile.
HIA_TILE_TOKENS = 4096


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
            per stripe. Defaults to None (:data:`STRIPE_BYTES`).

    Returns:
        Tensor: ``out``.
    """
    height = out.shape[2]
    max_bytes = STRIPE_BYTES if max_bytes is None else max_bytes
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
    into its blocked layout).

    Args:
        block (nn.Module): A ``DRDB`` (``dense_layers`` of ``ConvModule``,
            1x1 ``fuse``).
        x (Tensor): Features ``[B, C, H, W]``.

    Returns:
        Tensor: ``x + fuse([x, x_1, ..., x_L])``, ``[B, C, H, W]``.
    """
    channels = x.shape[1]
    growths = [layer.conv.out_channels for layer in block.dense_layers]
    features = x.new_empty(x.shape[0], channels + sum(growths), *x.shape[2:])
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
    del features
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
            (:data:`HIA_TILE_TOKENS`).

    Returns:
        tuple[Tensor, Tensor]: ``(f_ir', f_vis')``, each ``[B, C, H, W]``.
    """
    tile_tokens = tile_tokens or HIA_TILE_TOKENS
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
