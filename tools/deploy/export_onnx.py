"""Export SegMiF (fusion + segmentation) to ONNX and check it against
PyTorch with onnxruntime.

    python tools/deploy/export_onnx.py CONFIG [CHECKPOINT] --out FILE.onnx
        [--shape H W] [--batch-size N] [--check-shape H W] [--opset 17]
        [--tolerance 1e-4] [--cfg-options ...]

The graph takes ``ir`` ``[B, 1, H, W]`` and ``vis`` ``[B, 3, H, W]`` (R, G,
B), float32 in [0, 1], and returns ``fused`` ``[B, 3, H, W]`` in [0, 1] and
``seg_logits`` ``[B, K, H, W]`` (the model's ``mode='tensor'`` outputs).
Batch, height and width are dynamic. When onnxruntime is installed the
exported graph is compared with PyTorch on random inputs at the export size
and at a second size and batch (``--check-shape``, batch + 1), and the
maximum absolute differences are printed; the export fails when one exceeds
``--tolerance``. The TorchScript-based exporter (``dynamo=False``) is used:
it needs ``onnx`` but not ``onnxscript``.

SegMiF pads images smaller than its ``backbone_min_size`` (32 pixels for
MiT) before the backbone; that size-dependent branch cannot be traced, so
the graph is traced at a size larger than ``backbone_min_size`` and accepts
``H, W >= backbone_min_size`` (pad smaller images before calling it).
Backbones that pad to multiples of a ``backbone_size_divisor`` (32 for
ConvNeXt) are traced and run at multiples of it.
"""
import argparse
import importlib
from contextlib import contextmanager
from typing import Dict, Iterator, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import DictAction
from torch import Tensor, nn

from segmif_mm.apis import add_shape_argument, init_model
from segmif_mm.utils import write_atomically

INPUT_NAMES = ('ir', 'vis')
OUTPUT_NAMES = ('fused', 'seg_logits')


class SegMiFOnnxWrapper(nn.Module):
    """Two-input front end of a SegMiF model for export.

    Args:
        model (nn.Module): A SegMiF model in eval mode.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, ir: Tensor, vis: Tensor) -> Tuple[Tensor, Tensor]:
        """Fuse and segment.

        Args:
            ir (Tensor): Infrared ``[B, 1, H, W]`` in [0, 1].
            vis (Tensor): Visible R, G, B ``[B, 3, H, W]`` in [0, 1].

        Returns:
            tuple[Tensor, Tensor]: Fused RGB ``[B, 3, H, W]`` in [0, 1] and
            logits ``[B, K, H, W]``.
        """
        return self.model(torch.cat([vis, ir], dim=1), mode='tensor')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Export SegMiF to ONNX')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        'checkpoint', nargs='?', help='checkpoint (random weights if absent)')
    parser.add_argument('--out', required=True, help='output .onnx file')
    add_shape_argument(
        parser, help='input size used for tracing and the first check')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument(
        '--check-shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='second check size (dynamic shapes); defaults to '
        '(H + H/3 + 5, W + W/5 + 3)')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument(
        '--tolerance',
        type=float,
        default=1e-4,
        help='maximum absolute difference allowed between ONNX and PyTorch')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    args = parser.parse_args()
    if args.batch_size < 1 or min(args.shape) < 1:
        parser.error('--batch-size and --shape must be positive')
    if args.check_shape is None:
        height, width = args.shape
        args.check_shape = [height + height // 3 + 5, width + width // 5 + 3]
    return args


@contextmanager
def traceable_unflatten() -> Iterator[None]:
    """Make ``Tensor.unflatten`` keep dynamic sizes while tracing.

    The TorchScript tracer records ``unflatten`` as a view whose sizes are
    the traced example's, so ``nn.MultiheadAttention`` (used by the MiT
    backbone, whose key length depends on the image size) exports with the
    key length of the example baked in and fails at any other size. While
    exporting, ``unflatten`` is replaced by the equivalent ``reshape`` built
    from the tensor's (traced) shape; the original is restored afterwards.
    """
    original = torch.Tensor.unflatten

    def unflatten(self: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
        dim = dim % self.dim()
        return self.reshape(*self.shape[:dim], *sizes, *self.shape[dim + 1:])

    torch.Tensor.unflatten = unflatten
    try:
        yield
    finally:
        torch.Tensor.unflatten = original


def export(wrapper: SegMiFOnnxWrapper, out: str, batch_size: int,
           shape: Sequence[int], opset: int) -> None:
    """Trace ``wrapper`` and write the ONNX graph with dynamic B, H, W."""
    generator = torch.Generator().manual_seed(0)
    ir = torch.rand(batch_size, 1, *shape, generator=generator)
    vis = torch.rand(batch_size, 3, *shape, generator=generator)
    dynamic = {0: 'batch', 2: 'height', 3: 'width'}
    dynamic_axes = {name: dynamic for name in INPUT_NAMES + OUTPUT_NAMES}

    def write(path: str) -> None:
        torch.onnx.export(
            wrapper, (ir, vis),
            path,
            input_names=list(INPUT_NAMES),
            output_names=list(OUTPUT_NAMES),
            dynamic_axes=dynamic_axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False)

    with torch.no_grad(), traceable_unflatten():
        write_atomically(out, write)


def check_parity(wrapper: SegMiFOnnxWrapper, out: str,
                 cases: Sequence[Tuple[int, Sequence[int]]],
                 tolerance: float) -> Dict[str, Dict[str, float]]:
    """Compare onnxruntime with PyTorch on random inputs.

    Args:
        wrapper (SegMiFOnnxWrapper): The exported module.
        out (str): The ONNX file.
        cases (Sequence[tuple[int, Sequence[int]]]): ``(batch, (H, W))``
            of each check.
        tolerance (float): Allowed maximum absolute difference.

    Returns:
        dict[str, dict[str, float]]: Per case ``'BxHxW'``, the maximum
        absolute difference of each output.

    Raises:
        ImportError: onnxruntime is not installed.
        RuntimeError: A difference exceeds ``tolerance`` or a shape differs.
    """
    import onnxruntime as ort
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    generator = torch.Generator().manual_seed(1)
    diffs = {}
    for batch_size, shape in cases:
        ir = torch.rand(batch_size, 1, *shape, generator=generator)
        vis = torch.rand(batch_size, 3, *shape, generator=generator)
        with torch.no_grad():
            expected = [t.cpu().numpy() for t in wrapper(ir, vis)]
        got = session.run(
            list(OUTPUT_NAMES), dict(ir=ir.numpy(), vis=vis.numpy()))
        case = f'{batch_size}x{shape[0]}x{shape[1]}'
        diffs[case] = {}
        for name, ref, res in zip(OUTPUT_NAMES, expected, got):
            if ref.shape != res.shape:
                raise RuntimeError(
                    f'ONNX output {name} has shape {res.shape} but PyTorch '
                    f'gives {ref.shape} for input {case}: the graph is not '
                    'dynamic in batch/height/width.')
            diffs[case][name] = float(np.abs(ref - res).max())
    worst = max(d for case in diffs.values() for d in case.values())
    if worst > tolerance:
        raise RuntimeError(
            f'ONNX and PyTorch outputs differ by up to {worst:.3g} (> '
            f'tolerance {tolerance:g}): {diffs}.')
    return diffs


def is_installed(package: str) -> bool:
    """Whether ``package`` can be imported."""
    try:
        importlib.import_module(package)
    except ImportError:
        return False
    return True


def check_sizes(model: nn.Module, shape: Sequence[int],
                check_shape: Sequence[int]) -> None:
    """Reject sizes at which the traced graph would be wrong.

    Raises:
        ValueError: ``shape`` is not larger than the model's
            ``backbone_min_size``, ``check_shape`` is smaller, or either is
            not a multiple of ``backbone_size_divisor``.
    """
    min_size = getattr(model, 'backbone_min_size', 0)
    if min(shape) <= min_size:
        raise ValueError(
            f'--shape {shape[0]} {shape[1]}: trace at H and W larger than '
            f'the backbone minimum input size {min_size}; the padding of '
            'smaller images depends on the size and would be traced as a '
            'constant.')
    if min(check_shape) < min_size:
        raise ValueError(
            f'--check-shape {check_shape[0]} {check_shape[1]}: the ONNX '
            f'graph takes H and W of at least {min_size}.')
    divisor = getattr(model, 'backbone_size_divisor', 1)
    for option, size in (('--shape', shape), ('--check-shape', check_shape)):
        if any(side % divisor for side in size):
            raise ValueError(
                f'{option} {size[0]} {size[1]}: the backbone pads images to '
                f'multiples of {divisor}, which the traced graph would keep '
                f'as constants; use multiples of {divisor} (and pad inputs '
                'to them before running the graph).')


def main() -> None:
    args = parse_args()
    if not is_installed('onnx'):
        raise ImportError('The ONNX export needs the onnx package: '
                          '`pip install onnx` (and onnxruntime for the '
                          'parity check).')
    model = init_model(
        args.config,
        args.checkpoint,
        'cpu',
        args.cfg_options,
        trust_checkpoint=True)
    check_sizes(model, args.shape, args.check_shape)
    wrapper = SegMiFOnnxWrapper(model).eval()
    export(wrapper, args.out, args.batch_size, args.shape, args.opset)
    print(f'ONNX model written to {args.out} (inputs ir [B,1,H,W], vis '
          '[B,3,H,W]; outputs fused [B,3,H,W], seg_logits [B,K,H,W]; '
          'dynamic B, H, W)')
    if not is_installed('onnxruntime'):
        print('onnxruntime is not installed, so the ONNX/PyTorch parity '
              'check was skipped; `pip install onnxruntime` to run it.')
        return
    cases = [(args.batch_size, args.shape),
             (args.batch_size + 1, args.check_shape)]
    diffs = check_parity(wrapper, args.out, cases, args.tolerance)
    for case, values in diffs.items():
        print(f'parity {case}: ' +
              ', '.join(f'max |{name} diff| = {value:.3g}'
                        for name, value in values.items()) +
              f' (tolerance {args.tolerance:g})')


if __name__ == '__main__':
    main()
