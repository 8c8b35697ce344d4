"""Convert a SegMiF model for fast inference on CPU."""
from typing import Optional

from torch import nn

from segmif_mm.models.fusion_heads import DRDB, DRDBFusionHead
from segmif_mm.models.necks import HierarchicalInteractiveAttention
from .buffer_pool import BufferPool
from .folded_hia import FoldedHIA
from .inference_scope import InferenceScope
from .memory import tune_malloc_for_inference
from .striped_conv_stack import StripedConvStack
from .striped_drdb import StripedDRDB

#: Default stripe size (bytes of a stripe's widest map) of the striped
#: DRDBs, stems and decoder. See :func:`convert_for_cpu_inference`.
DEFAULT_STRIPE_BYTES = 2**24
#: Default pixels per tile of the folded HIA. See
#: :func:`convert_for_cpu_inference`.
DEFAULT_TILE_TOKENS = 4096
#: ``memory`` choices of :func:`convert_for_cpu_inference`.
MEMORY_REUSE = ('pass', 'process')
#: The modules the conversion swaps in.
INFERENCE_MODULES = (StripedDRDB, FoldedHIA, StripedConvStack)


def convert_for_cpu_inference(model: nn.Module,
                              stripe_bytes: int = DEFAULT_STRIPE_BYTES,
                              tile_tokens: int = DEFAULT_TILE_TOKENS,
                              precision: str = 'fp32',
                              memory: Optional[str] = 'pass') -> nn.Module:
    """Swap in inference-only modules that are fast on CPU, in place.

    In the style of :func:`mmengine.model.revert_sync_batchnorm`, every
    module of the model that has a CPU inference counterpart is replaced by
    it; the counterparts use the plain modules' weights (not copies) and
    compute the same function up to float rounding:

    * :class:`~segmif_mm.models.fusion_heads.DRDB` ->
      :class:`~segmif_mm.deploy.StripedDRDB` (one feature buffer, layers in
      stripes, 1x1 fusion as a matrix product);
    * :class:`~segmif_mm.models.necks.HierarchicalInteractiveAttention` ->
      :class:`~segmif_mm.deploy.FoldedHIA` (contexts from moments, folded
      affine maps, tiles of ``tile_tokens`` pixels);
    * the stems and the decoder of each
      :class:`~segmif_mm.models.fusion_heads.DRDBFusionHead` ->
      :class:`~segmif_mm.deploy.StripedConvStack`.

    Every forward pass of the model, and of each fusion head (which
    ``SegMiF.fuse`` calls directly), runs in an
    :class:`~segmif_mm.deploy.InferenceScope` of ``precision`` and
    ``memory``. Convert after loading the weights: the swapped modules
    wrap the plain ones, so the state-dict keys of the converted model
    carry their attribute names (``...vis_blocks.0.0.block.fuse.weight``).
    The converted model runs inference only (eval mode, autograd off);
    train the model as built from its config.

    Default sizes (docs/benchmarks.md, "Stripe and tile sizes"): 16 MiB
    stripes on every CPU. On an AMD EPYC (Zen 4, 1 MiB L2 per core, 32 MiB
    L3) they were the fastest (fusion 6.4 s against 6.7-7.4 s with 1, 4 and
    64 MiB stripes, 9.2 s unconverted), on an Intel Xeon (2 MiB L2 per core,
    260-300 MiB L3) as fast as any size from 1 to 64 MiB; a size derived from
    the caches (2 or 8 MiB on the EPYC) bought nothing on the one and lost on
    the other. 16 MiB is large enough that the rows of context computed
    twice and the per-stripe overhead stay small, and small enough that a
    stripe's temporaries (with oneDNN's reordered copy) stay below glibc's
    largest dynamic mmap threshold (32 MiB) when ``memory`` is None. The
    folded HIA's tile size made no measurable difference from 1024 to 16384
    pixels on the Xeon; the default, 4096, keeps a tile's per-pixel maps
    (about 1.5 KiB per pixel) at a few MiB.

    Example:
        >>> model = init_model(config, checkpoint, device='cpu')
        >>> model = convert_for_cpu_inference(model)
        >>> with torch.no_grad():
        ...     fused_rgb, seg_logits = model(inputs, mode='tensor')

    Args:
        model (nn.Module): The model, on CPU, e.g. a ``SegMiF``.
        stripe_bytes (int): Bytes of a stripe's widest map. Defaults to
            :data:`DEFAULT_STRIPE_BYTES` (16 MiB).
        tile_tokens (int): Pixels per tile of the folded HIA. Defaults to
            :data:`DEFAULT_TILE_TOKENS`.
        precision (str): ``'fp32'`` or ``'bf16'`` (autocast; see
            :mod:`segmif_mm.deploy.precision`). Defaults to 'fp32'.
        memory (str, optional): glibc's reuse of freed large blocks
            (:mod:`segmif_mm.deploy.memory`): ``'pass'`` within each forward
            pass (the resident size between passes is as without it),
            ``'process'`` for the rest of the process
            (:func:`tune_malloc_for_inference`: faster, but the resident
            size stays at its peak), None for glibc's defaults. Defaults to
            'pass'.

    Returns:
        nn.Module: ``model``, converted, in eval mode.

    Raises:
        ValueError: The model is not on CPU or was converted before, a size
            is not positive, or ``precision``/``memory`` is unknown or not
            available here.
    """
    devices = {p.device.type for p in model.parameters()}
    if devices - {'cpu'}:
        raise ValueError(
            f'convert_for_cpu_inference converts CPU models, but the model '
            f'has parameters on {sorted(devices)}; call model.cpu() first, '
            'or run it unconverted on its device.')
    if any(isinstance(m, INFERENCE_MODULES) for m in model.modules()):
        raise ValueError('The model is converted already; convert the plain '
                         'model once.')
    if min(stripe_bytes, tile_tokens) < 1:
        raise ValueError(f'stripe_bytes and tile_tokens must be positive, '
                         f'got {stripe_bytes} and {tile_tokens}.')
    if memory is not None and memory not in MEMORY_REUSE:
        raise ValueError(f'memory must be one of {MEMORY_REUSE} or None, got '
                         f'{memory!r}.')
    scope = InferenceScope(precision, 'cpu', reuse_memory=memory == 'pass')
    if memory == 'process':
        tune_malloc_for_inference()
    pool = BufferPool()

    def swap(module: nn.Module) -> nn.Module:
        if isinstance(module, DRDB):
            return StripedDRDB(module, stripe_bytes, pool)
        if isinstance(module, HierarchicalInteractiveAttention):
            return FoldedHIA(module, tile_tokens)
        if isinstance(module, DRDBFusionHead):
            for name in ('vis_stem', 'ir_stem', 'decoder'):
                setattr(module, name,
                        StripedConvStack(getattr(module, name), stripe_bytes))
            scope.attach(module)
        for name, child in module.named_children():
            if not isinstance(child, StripedConvStack):
                module.add_module(name, swap(child))
        return module

    model = swap(model)
    scope.attach(model)
    return model.eval()
