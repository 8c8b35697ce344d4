"""Fusion-then-segment, end to end: fuse -> train -> test -> table.

    python projects/fusion_then_segment/run.py SEG_CONFIG --work-dir DIR \
        --fusion-config CONFIG --fusion-checkpoint CKPT \
        [--fusion-cfg-options ...] [--device cpu] [--cfg-options ...]
    python projects/fusion_then_segment/run.py SEG_CONFIG --work-dir DIR \
        --fused-root FOLDER [--cfg-options ...]

1. Fuse (with ``--fusion-checkpoint``): ``tools/fuse.py`` writes the fused
   images of the fusion config's train and test splits to
   ``DIR/fused/{train,test}``. With ``--fused-root`` the images of another
   method are used instead (``FOLDER/{train,test}/<name>.png``).
2. Train ``SEG_CONFIG`` (a stock segmenter on ``FusedImageDataset``) with
   ``tools/train.py`` in ``DIR/segmenter``; ``FUSED_ROOT`` points the config
   to the fused images.
3. Test the last checkpoint with ``tools/test.py`` (metrics in
   ``DIR/metrics.json``).
4. Print per-class IoU/Acc and mIoU/mAcc/aAcc under every protocol of the
   config's ``MultiProtocolIoUMetric`` (``per_class_keys=True``).

Every step runs as a subprocess of this Python with the repository root on
``PYTHONPATH`` (the configs import ``projects.fusion_then_segment``); the
commands are printed before they run.
"""
import argparse
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from prettytable import PrettyTable

REPO = Path(__file__).resolve().parents[2]
SPLITS = ('train', 'test')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Fuse a dataset, train and test a stock segmenter on the '
        'fused images, print the results table')
    parser.add_argument('config', help='segmenter config (FusedImageDataset)')
    parser.add_argument(
        '--work-dir', required=True, help='folder for all outputs')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        '--fusion-checkpoint',
        help='checkpoint of the fusion model (e.g. SegMiF) to fuse with')
    source.add_argument(
        '--fused-root',
        help='folder with train/ and test/ fused images of another method')
    parser.add_argument(
        '--fusion-config', help='config of --fusion-checkpoint')
    parser.add_argument(
        '--fusion-cfg-options',
        nargs='+',
        default=[],
        help='--cfg-options for tools/fuse.py (key=value)')
    parser.add_argument(
        '--device', default='cpu', help='device of the fusion step')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='--cfg-options for training and testing the segmenter')
    args = parser.parse_args(argv)
    if args.fusion_checkpoint and not args.fusion_config:
        parser.error('--fusion-checkpoint needs --fusion-config.')
    return args


def run(command: List[str], env: Dict[str, str]) -> None:
    """Print and run a command; exit with its status when it fails."""
    shown = [f'{k}={v}' for k, v in env.items() if k == 'FUSED_ROOT']
    print(
        '\n$ ' + ' '.join(shlex.quote(c) for c in shown + command), flush=True)
    result = subprocess.run(command, env=env)
    if result.returncode != 0:
        print(
            f'Step failed with exit status {result.returncode}: '
            f'{" ".join(command)}',
            file=sys.stderr)
        raise SystemExit(result.returncode)


def last_checkpoint(work_dir: str) -> str:
    """The checkpoint that mmengine's CheckpointHook saved last."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        raise FileNotFoundError(
            f'{pointer} does not exist: training saved no checkpoint. Check '
            "the config's default_hooks.checkpoint.")
    with open(pointer) as f:
        return f.read().strip()


def results_tables(metrics: Dict[str, float]) -> List[PrettyTable]:
    """Per-class and per-protocol tables from MultiProtocolIoUMetric keys.

    Args:
        metrics (dict[str, float]): ``'{protocol}/{metric}'`` values (in
            percent), with per-class ``'{protocol}/IoU.{class}'`` and
            ``'{protocol}/Acc.{class}'``.

    Returns:
        list[PrettyTable]: The per-class table (IoU and Acc, which are the
        same under every protocol, and whether each protocol keeps the
        class) and the summary table (aAcc, mIoU, mAcc per protocol).
    """
    protocols: Dict[str, Dict[str, float]] = OrderedDict()
    for key, value in metrics.items():
        if '/' in key:
            protocol, name = key.split('/', 1)
            protocols.setdefault(protocol, OrderedDict())[name] = value
    if not protocols:
        raise ValueError(
            'No "{protocol}/{metric}" results found; the config must '
            'evaluate with MultiProtocolIoUMetric.')
    classes: Dict[str, Dict[str, float]] = OrderedDict()
    for values in protocols.values():
        for name, value in values.items():
            kind, _, class_name = name.partition('.')
            if kind in ('IoU', 'Acc') and class_name:
                classes.setdefault(class_name, {})[kind] = value
    if not classes:
        raise ValueError(
            'No per-class results found; set per_class_keys=True in the '
            "config's MultiProtocolIoUMetric.")
    per_class = PrettyTable(field_names=['Class', 'IoU', 'Acc'] +
                            [f'in {p}' for p in protocols])
    per_class.title = 'Fusion-then-segment: per class (%)'
    for class_name, values in classes.items():
        kept = [
            'yes' if f'IoU.{class_name}' in protocols[p] else 'no'
            for p in protocols
        ]
        per_class.add_row([
            class_name,
            values.get('IoU', float('nan')),
            values.get('Acc', float('nan'))
        ] + kept)
    summary = PrettyTable(field_names=['Protocol', 'mIoU', 'mAcc', 'aAcc'])
    summary.title = 'Fusion-then-segment: mean over each protocol (%)'
    for protocol, values in protocols.items():
        summary.add_row([protocol] + [
            values.get(key, float('nan')) for key in ('mIoU', 'mAcc', 'aAcc')
        ])
    return [per_class, summary]


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    work_dir = osp.abspath(args.work_dir)
    env = dict(os.environ)
    env.pop('FUSED_ROOT', None)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO)] + [p for p in [env.get('PYTHONPATH')] if p])
    python = sys.executable

    if args.fusion_checkpoint:
        fused_root = osp.join(work_dir, 'fused')
        for split in SPLITS:
            command = [
                python,
                str(REPO / 'tools' / 'fuse.py'), args.fusion_config,
                args.fusion_checkpoint, '--split', split, '--out-dir',
                osp.join(fused_root, split), '--device', args.device
            ]
            if args.fusion_cfg_options:
                command += ['--cfg-options', *args.fusion_cfg_options]
            run(command, env)
    else:
        fused_root = osp.abspath(args.fused_root)
    env['FUSED_ROOT'] = fused_root

    seg_dir = osp.join(work_dir, 'segmenter')
    cfg_options = ['--cfg-options', *args.cfg_options
                   ] if args.cfg_options else []
    run([
        python,
        str(REPO / 'tools' / 'train.py'), args.config, '--work-dir', seg_dir
    ] + cfg_options, env)
    metrics_file = osp.join(work_dir, 'metrics.json')
    run([
        python,
        str(REPO / 'tools' / 'test.py'), args.config,
        last_checkpoint(seg_dir), '--work-dir', seg_dir, '--out', metrics_file
    ] + cfg_options, env)

    with open(metrics_file) as f:
        metrics = json.load(f)
    print(f'\nFused images: {fused_root}\nSegmenter: {args.config}')
    for table in results_tables(metrics):
        print(table.get_string())


if __name__ == '__main__':
    main()
