"""Train SegMiF (or any MMSeg model) with segmif_mm's components registered.

    python tools/train.py configs/segmif_fmb.py [--amp] [--resume]
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import segmif_mm  # noqa: F401  (registers segmif_mm's modules)
from mmseg.registry import RUNNERS
from segmif_mm.engine import init_cpu_distributed
from segmif_mm.engine.optimizers import enable_amp
from segmif_mm.utils import trust_local_checkpoints


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a SegMiF model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='resume from the latest checkpoint in the work_dir: same round, '
        'phase, iteration, task weights, optimizer and scheduler states')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.num_rounds=2')
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
    if args.amp:
        enable_amp(cfg.optim_wrapper)
    cfg.resume = args.resume
    init_cpu_distributed(cfg)

    runner = (
        Runner.from_cfg(cfg)
        if 'runner_type' not in cfg else RUNNERS.build(cfg))
    runner.train()


if __name__ == '__main__':
    main()
