"""Check every sample of a dataset split before training on it.

    python tools/misc/check_dataset.py CONFIG [--split train|val|test]
        [--num-workers 8] [--cfg-options ...]

Builds ``cfg.{split}_dataloader.dataset`` (wrappers such as
``RepeatDataset`` or ``ConcatDataset`` included) and reads every sample with
the split pipeline's own loaders (``LoadMultiModalImages``, and
``LoadMultiModalAnnotations`` if the pipeline loads labels), so the same
bit-depth rules and label settings apply as in training. Reports every
problem at once, stopping at none: missing partners (with names that differ
only in letter case or suffix), unreadable, empty, truncated, undecodable or
multi-page files, unsupported pixel types, size mismatches between visible,
infrared and label, label ids outside the classes. Exits with status 1 if it
found any.

Training checks the same before its first iteration (``CheckDatasetHook``
in the configs' ``default_hooks``).
"""
import argparse
import sys
import time

from mmengine.config import Config, DictAction
from mmengine.utils import ProgressBar

from segmif_mm.datasets import (build_split_dataset, check_dataset,
                                leaf_datasets)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check every sample of a dataset split')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--split',
        choices=['train', 'val', 'test'],
        default='train',
        help='which *_dataloader.dataset of the config to check')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=None,
        help='decoding threads (default: CPU count, at most 8)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    dataset = build_split_dataset(cfg, args.split)

    num_samples = sum(len(leaf) for leaf in leaf_datasets(dataset))
    start = time.perf_counter()
    progress = ProgressBar(num_samples)
    result = check_dataset(
        dataset, num_workers=args.num_workers, progress=progress.update)
    elapsed = time.perf_counter() - start
    if result.problems:
        print('\n' + result.report(f'the {args.split} split'))
        sys.exit(1)
    print(f'\nAll {result.num_samples} samples of the {args.split} split are '
          f'readable and consistent ({elapsed:.1f} s).')


if __name__ == '__main__':
    main()
