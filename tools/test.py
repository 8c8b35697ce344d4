"""Test a SegMiF checkpoint: segmentation and fusion-quality tables.

    python tools/test.py CONFIG CHECKPOINT [--out metrics.json]
        [--show-dir DIR] [--tta]
"""
import argparse
import os
import os.path as osp

import mmengine
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import segmif_mm  # noqa: F401  (registers segmif_mm's modules)
from segmif_mm.engine import init_cpu_distributed
from segmif_mm.utils import atomic_backend_args, trust_local_checkpoints


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a SegMiF model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument('--out', help='write the metric tables as JSON')
    parser.add_argument(
        '--show-dir',
        help='save fused images (8-bit RGB PNG), coloured segmentations and '
        'side-by-side panels to this directory')
    parser.add_argument(
        '--tta',
        action='store_true',
        help='flip/multi-scale '
        'test-time augmentation (uses cfg.tta_pipeline)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main() -> None:
    args = parse_args()
    # The checkpoints a user names here are trusted (resume, load_from).
    trust_local_checkpoints()
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.show_dir:
        cfg.default_hooks.visualization = dict(
            type='FusionSegVisualizationHook',
            draw=True,
            out_dir=osp.abspath(args.show_dir))
    if args.tta:
        if 'tta_pipeline' not in cfg:
            raise ValueError(f'--tta: {args.config} defines no tta_pipeline.')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model

    init_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out:
        mmengine.dump(
            {
                k: float(v) if hasattr(v, '__float__') else v
                for k, v in metrics.items()
            },
            args.out,
            backend_args=atomic_backend_args(args.out),
            indent=2)
        print(f'Metrics written to {args.out}')


if __name__ == '__main__':
    main()
