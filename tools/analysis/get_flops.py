"""Parameters and FLOPs of SegMiF's parts at one or more input sizes.

Example::

    python tools/analysis/get_flops.py \\
        configs/_base_/models/segmif_mit-b3.py --shape 480 640 600 800

The network forward (``model(inputs, mode='tensor')``) is split into three
parts that together make up the whole forward, each traced separately by
mmengine's :class:`~mmengine.analysis.FlopAnalyzer`:

* ``guidance``: :meth:`SegMiF.extract_guidance`, the backbone pass that
  produces the fusion head's semantic features (the backbone's stages 1-2
  on the visible image; with ``guidance_source='fused'`` it includes the
  first fusion pass);
* ``fusion``: RGB -> YCbCr, the fusion head, fused Y + visible Cb/Cr ->
  RGB;
* ``segmentation``: :meth:`SegMiF.encode_decode` on the fused RGB image
  (backbone, neck, decode head, logits resized to the input size).

The ``total`` row traces the whole forward on its own; the parts add up to
it. A part's parameters are those of the modules it calls: the guidance and
segmentation passes share the backbone's stage-1/2 weights, so the part
parameters add up to more than the total. The whole model's parameter count
(all modules, including any auxiliary head that inference does not run) is
printed below the table.

FLOPs follow mmengine's (fvcore's) convention used by MMSegmentation's own
tables: one fused multiply-add counts as one FLOP, and element-wise
operations (activations, additions, softmax) are not counted; the
operators that were skipped are listed under the table. Weights are random
(pretrained ``init_cfg`` entries are dropped, nothing is downloaded); they
do not affect the counts.
"""
import argparse
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import DictAction
from prettytable import PrettyTable
from torch import Tensor, nn

from segmif_mm.apis import init_model
from segmif_mm.models.utils import rgb_to_ycbcr, split_rgbt, ycbcr_to_rgb

PARTS = ('guidance', 'fusion', 'segmentation')
PART_TITLES = dict(
    guidance='guidance (backbone stages 1-2)',
    fusion='fusion (fusion head, RGB<->YCbCr)',
    segmentation='segmentation (backbone + decode head)',
    total="total (model(inputs, mode='tensor'))")
DEFAULT_SHAPES = ((480, 640), (600, 800))


def parse_shapes(values: Sequence[int]) -> List[Tuple[int, int]]:
    """Turn ``--shape`` values into ``(H, W)`` pairs.

    Args:
        values (Sequence[int]): One side of a square image, or ``H W``
            pairs.

    Returns:
        list[tuple[int, int]]: Input sizes ``(H, W)``.
    """
    if len(values) == 1:
        values = [values[0], values[0]]
    if len(values) % 2 or min(values) < 1:
        raise ValueError(
            f'--shape takes one size S (square) or pairs H W of positive '
            f'sizes, got {list(values)}; e.g. --shape 480 640 600 800.')
    return [(values[i], values[i + 1]) for i in range(0, len(values), 2)]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Parameters and FLOPs of the SegMiF parts')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=[side for shape in DEFAULT_SHAPES for side in shape],
        metavar='H W',
        help='input sizes as H W pairs (or one size S for SxS); default: '
        '480 640 600 800')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, as key=value pairs')
    args = parser.parse_args()
    try:
        args.shape = parse_shapes(args.shape)
    except ValueError as err:
        parser.error(str(err))
    return args


class TracedPart(nn.Module):
    """A function of a model as a module, so that it can be traced.

    The model is a child, so FLOPs and called submodules are attributed to
    ``model.<name>``.

    Args:
        model (nn.Module): The model whose submodules ``fn`` calls.
        fn (Callable[..., Tensor | tuple[Tensor, ...]]): The computation.
    """

    def __init__(self, model: nn.Module, fn: Callable) -> None:
        super().__init__()
        self.model = model
        self.fn = fn

    def forward(self, *inputs: Tensor) -> Union[Tensor, Tuple[Tensor, ...]]:
        """Run ``fn(*inputs)``."""
        return self.fn(*inputs)


def used_parameters(analyzer: FlopAnalyzer, module: nn.Module) -> int:
    """Number of parameters of the submodules called in a trace.

    A submodule counts when it was called, or when its parent was called
    and uses the submodule's weights directly (``nn.MultiheadAttention``
    applies its ``out_proj`` functionally, so ``out_proj`` is never called).

    Args:
        analyzer (FlopAnalyzer): An analyzer of ``module`` that has traced
            its forward.
        module (nn.Module): The traced module.

    Returns:
        int: Parameters of those submodules, each shared parameter counted
        once.
    """
    uncalled = analyzer.uncalled_modules()
    called = {name for name, _ in module.named_modules()} - uncalled
    params = {
        id(param): param.numel()
        for name, submodule in module.named_modules()
        if name in called or name.rpartition('.')[0] in called
        for param in submodule.parameters(recurse=False)
    }
    return sum(params.values())


def analyse(part: nn.Module,
            inputs: Tuple[Tensor, ...]) -> Tuple[int, int, Dict[str, int]]:
    """Trace one part.

    Returns:
        tuple[int, int, dict[str, int]]: Parameters of the called modules,
        FLOPs, and the number of calls of each operator without a FLOP
        counter.
    """
    analyzer = FlopAnalyzer(part, inputs)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    flops = analyzer.total()
    return (used_parameters(analyzer,
                            part), flops, dict(analyzer.unsupported_ops()))


def _with_none(feats: Sequence[Tensor],
               scales: Sequence[int]) -> Tuple[Optional[Tensor], ...]:
    """Guidance tuple with None at the scales the fusion head does not use."""
    by_scale = dict(zip(scales, feats))
    return tuple(by_scale.get(i) for i in range(2))


def part_complexity(model: nn.Module, shape: Tuple[int,
                                                   int]) -> Dict[str, dict]:
    """Parameters and FLOPs of SegMiF's parts and of the whole forward.

    Args:
        model (nn.Module): A ``SegMiF`` model in eval mode.
        shape (tuple[int, int]): Input size ``(H, W)``; the batch is one
            ``[1, 4, H, W]`` pair.

    Returns:
        dict[str, dict]: For each of ``guidance``, ``fusion``,
        ``segmentation`` and ``total``: ``params`` (parameters of the
        modules the part calls), ``flops`` (multiply-adds) and
        ``unsupported_ops`` (operator -> calls not counted).
    """
    generator = torch.Generator().manual_seed(0)
    inputs = torch.rand(1, 4, *shape, generator=generator)
    scales = tuple(model.guidance_scales)
    results = {}
    with torch.no_grad():
        vis_rgb, ir = split_rgbt(inputs)
        vis_ycbcr = rgb_to_ycbcr(vis_rgb)
        guidance = model.extract_guidance(vis_rgb, ir, vis_ycbcr)
        feats = tuple(guidance[i] for i in scales)

        def guide(vis_rgb: Tensor, ir: Tensor, *ycbcr:
                  Tensor) -> Tuple[Tensor, ...]:
            found = model.extract_guidance(vis_rgb, ir, ycbcr)
            return tuple(found[i] for i in scales)

        def fuse(inputs: Tensor, *feats: Tensor) -> Tensor:
            vis_rgb, ir = split_rgbt(inputs)
            vis_y, vis_cb, vis_cr = rgb_to_ycbcr(vis_rgb)
            fused_y = model.fusion_head(vis_y, ir, _with_none(feats, scales))
            return ycbcr_to_rgb(fused_y, vis_cb, vis_cr).clamp(0, 1)

        fused_rgb = fuse(inputs, *feats)
        metas = [dict(img_shape=shape, pad_shape=shape, ori_shape=shape)]
        calls = dict(
            guidance=(guide, (vis_rgb, ir, *vis_ycbcr)),
            fusion=(fuse, (inputs, *feats)),
            segmentation=(lambda rgb: model.encode_decode(rgb, metas),
                          (fused_rgb, )),
            total=(lambda x: model(x, mode='tensor'), (inputs, )))
        for name, (fn, args) in calls.items():
            if name == 'guidance' and not scales:
                results[name] = dict(params=0, flops=0, unsupported_ops={})
                continue
            params, flops, unsupported = analyse(TracedPart(model, fn), args)
            results[name] = dict(
                params=params, flops=flops, unsupported_ops=unsupported)
    return results


def complexity_table(results: Sequence[Dict[str, dict]],
                     shapes: Sequence[Tuple[int, int]]) -> PrettyTable:
    """Table of parameters (M) and GFLOPs per part and input size.

    Args:
        results (Sequence[dict]): :func:`part_complexity` of each size.
        shapes (Sequence[tuple[int, int]]): The input sizes ``(H, W)``.

    Returns:
        PrettyTable: One row per part and the total; ``params (M)`` and one
        ``GFLOPs WxH`` column per size.
    """
    table = PrettyTable()
    table.field_names = ['part', 'params (M)'] + [
        f'GFLOPs {width}x{height}' for height, width in shapes
    ]
    for name in (*PARTS, 'total'):
        table.add_row(
            [PART_TITLES[name], f'{results[0][name]["params"] / 1e6:.2f}'] +
            [f'{result[name]["flops"] / 1e9:.1f}' for result in results])
    table.align['part'] = 'l'
    return table


def main() -> None:
    args = parse_args()
    model = init_model(args.config, cfg_options=args.cfg_options)
    results = [part_complexity(model, shape) for shape in args.shape]
    table = complexity_table(results, args.shape)
    print(f'SegMiF parts of {args.config}, batch of one 4-channel '
          '(R, G, B, IR) image; one multiply-add = 1 FLOP')
    print(table)
    total_params = parameter_count(model)['']
    print(f'Parameters of the whole model: {total_params / 1e6:.2f} M '
          f'({total_params} parameters)')
    skipped = ', '.join(f'{op.split("::")[-1]} x{calls}' for op, calls in
                        sorted(results[0]['total']['unsupported_ops'].items()))
    print(f'Not counted (no FLOP counter): {skipped or "none"}')


if __name__ == '__main__':
    main()
