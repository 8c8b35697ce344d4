"""Fuse and segment infrared/visible pairs with a trained SegMiF model
(a command line over :class:`segmif_mm.apis.SegMiFInferencer`).

    python tools/infer.py CONFIG CHECKPOINT --ir IR --vis VIS --out-dir DIR
        [--device cuda:0] [--batch-size 4] [--skip-existing]
        [--precision fp32|bf16] [--malloc-tuning | --no-cpu-conversion]
        [--cfg-options ...]

``--ir``/``--vis`` are either two files (one pair) or two folders whose
images are paired by name as the datasets pair them
(:mod:`segmif_mm.datasets.file_pairing`: relative path without suffix,
sub-folders included). Writes
``DIR/fused/<name>.png`` (8-bit RGB fused image) and ``DIR/seg/<name>.png``
(segmentation coloured with the dataset palette), both at the input size;
a model without a trained segmentation branch (e.g. fusion-only weights)
writes the fused images only.

A bad pair (no partner, unreadable or mismatched images, ...) is reported
with its name and reason and skipped; the run goes on, ends with a summary
(done, skipped, failed with reasons) and exits with status 1 if any pair
failed. Outputs are written atomically (temporary name, then rename), so
``--skip-existing`` resumes an interrupted run without redoing finished
pairs.

On CPU the model is converted for inference
(:func:`segmif_mm.deploy.convert_for_cpu_inference`; ``--no-cpu-conversion``
keeps the plain model, for comparison). ``--malloc-tuning`` (CPU, glibc)
keeps large buffers for reuse between pairs instead of returning them to
the system: faster on big images, at the price of a resident size that
stays at its peak (:func:`segmif_mm.deploy.tune_malloc_for_inference`).
``--precision bf16`` runs the model under bfloat16 autocast (default fp32;
see :mod:`segmif_mm.deploy.precision`).
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Tuple

from mmengine.config import Config, DictAction
from mmengine.utils import ProgressBar

from segmif_mm.apis import (BatchReport, SegMiFInferencer,
                            add_precision_argument, collect_pairs)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Fuse and segment infrared/visible image pairs')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--ir', required=True, help='infrared image or folder')
    parser.add_argument('--vis', required=True, help='visible image or folder')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=1,
        help='pairs per forward pass (pairs of equal size are batched)')
    parser.add_argument(
        '--skip-existing',
        action='store_true',
        help='skip pairs whose fused and seg outputs exist (resume a run)')
    add_precision_argument(parser)
    cpu = parser.add_mutually_exclusive_group()
    cpu.add_argument(
        '--malloc-tuning',
        action='store_true',
        help='reuse large CPU buffers between pairs (glibc mallopt)')
    cpu.add_argument(
        '--no-cpu-conversion',
        action='store_true',
        help='run the plain model on CPU (for comparison)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    args = parser.parse_args()
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    return args


def infer_batch(inferencer: SegMiFInferencer,
                batch: List[Tuple[str, Dict[str, str]]], out_dir: str,
                report: BatchReport) -> None:
    """Run pairs as one batch; if that fails, one at a time, so that only
    the bad pairs fail."""
    preds = None
    if len(batch) > 1:
        try:
            preds = inferencer(
                [dict(paths, name=name) for name, paths in batch],
                return_datasamples=True,
                batch_size=len(batch))
        except Exception:  # isolated below, pair by pair
            for pair in batch:
                infer_batch(inferencer, [pair], out_dir, report)
            return
    for i, (name, paths) in enumerate(batch):
        with report.attempt(name):
            pred = preds[i] if preds else inferencer(
                dict(paths, name=name), return_datasamples=True)
            inferencer.write_prediction(
                pred, *inferencer.output_files(out_dir, name))


def main() -> None:
    args = parse_args()
    matching = collect_pairs(args.ir, args.vis)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    inferencer = SegMiFInferencer(
        cfg,
        args.checkpoint,
        args.device,
        precision=args.precision,
        cpu_conversion=not args.no_cpu_conversion,
        malloc_tuning=args.malloc_tuning,
        trust_checkpoint=True,
        show_progress=False)

    report = BatchReport('pairs', echo=True)
    report.add_problems(matching.problems)
    todo = [(name, paths) for name, paths in matching.matched
            if not (args.skip_existing and report.skip_existing(
                name, inferencer.output_files(args.out_dir, name)))]
    progress = ProgressBar(len(todo))
    for start in range(0, len(todo), args.batch_size):
        batch = todo[start:start + args.batch_size]
        infer_batch(inferencer, batch, args.out_dir, report)
        for _ in batch:
            progress.update()
    folders = [
        osp.dirname(path)
        for path in inferencer.output_files(args.out_dir, '')
    ]
    print(f'\n{report.summary()}\nOutputs in {" and ".join(folders)}')
    if report.exit_code:
        sys.exit(report.exit_code)


if __name__ == '__main__':
    main()
