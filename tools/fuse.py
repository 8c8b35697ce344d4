"""Fuse infrared-visible pairs, or a whole dataset split, with SegMiF.

    # your pairs, with the shipped fusion weights (no config, no checkpoint)
    python tools/fuse.py --ir IR --vis VIS --out-dir DIR
    # the same with your own model
    python tools/fuse.py CONFIG CHECKPOINT --ir IR --vis VIS --out-dir DIR
    # every pair of a dataset split of a config
    python tools/fuse.py CONFIG CHECKPOINT --split test --out-dir DIR
        [--device cuda:0] [--num-workers 2] [--skip-existing]
        [--precision fp32|bf16] [--no-cpu-conversion] [--cfg-options ...]

``--ir``/``--vis`` take two files (one pair) or two folders whose images are
paired by name as the datasets pair them (relative path without suffix,
sub-folders included; :mod:`segmif_mm.datasets.file_pairing`). Each pair
is read like the datasets read it (grey or colour visible; 8- or 16-bit,
1- or 3-channel infrared), fused at its own size without running the
segmentation network, and written as an 8-bit RGB PNG ``DIR/<name>.png``
of the input size. Without CONFIG and CHECKPOINT the shipped weights are
used: a fusion network trained without labels on RoadScene (see the
README, "Shipped fusion weights").

The split's dataset (``cfg.{train,val,test}_dataloader.dataset``) is read
with the config's test pipeline minus annotation loading (no random
augmentation, labels not needed). Every fused image is written as an 8-bit
RGB PNG at the original size to ``DIR/<name>.png``, where ``<name>`` is the
visible image's path relative to the dataset's visible folder, without
extension. A stock MMSeg segmenter can then be trained on the fused images,
e.g. with ``data_prefix=dict(img_path=DIR, seg_map_path=...)`` and
``img_suffix='.png'``.

A bad sample (missing partner, unreadable file, size mismatch ...) is
reported with its name and reason and skipped; the run goes on, ends with a
summary (done, skipped, failed with reasons) and exits with status 1 if any
sample failed. Images are written atomically (temporary name, then rename),
so ``--skip-existing`` resumes an interrupted run without redoing finished
images.

On CPU the model is converted for inference
(:func:`segmif_mm.deploy.convert_for_cpu_inference`; ``--no-cpu-conversion``
keeps the plain model, for comparison). ``--precision bf16`` runs it under
bfloat16 autocast (default fp32; see :mod:`segmif_mm.deploy.precision`).
"""
import argparse
import os.path as osp
import sys
from functools import partial

import mmcv
import torch
from mmengine.config import ConfigDict, DictAction
from mmengine.dataset import BaseDataset, pseudo_collate
from mmengine.utils import ProgressBar

from mmseg.registry import DATASETS
from segmif_mm.apis import (BatchReport, add_precision_argument, collect_pairs,
                            fuse_pair, inference_pipeline_cfg,
                            init_fusion_model, init_model, load_keep_going)
from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.deploy import prepare_for_inference
from segmif_mm.utils import atomic_backend_args
from segmif_mm.visualization import FusionSegLocalVisualizer


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Fuse infrared-visible pairs (--ir/--vis) or a dataset '
        'split of a config (--split)')
    parser.add_argument(
        'config',
        nargs='?',
        help='config file (default: the shipped fusion network)')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint file (default: the shipped fusion weights)')
    parser.add_argument('--ir', help='infrared image file or folder')
    parser.add_argument('--vis', help='visible image file or folder')
    parser.add_argument(
        '--split',
        choices=['train', 'val', 'test'],
        help='which *_dataloader.dataset of the config to fuse (default: '
        'test, without --ir/--vis)')
    parser.add_argument(
        '--uint16-rule',
        default='minmax',
        choices=['minmax', 'shift'],
        help='16-bit infrared to 8 bit with --ir/--vis (see '
        'LoadMultiModalImages)')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--num-workers', type=int, default=0, help='dataloader workers')
    parser.add_argument(
        '--skip-existing',
        action='store_true',
        help='skip samples whose fused image exists (resume a run)')
    add_precision_argument(parser)
    parser.add_argument(
        '--no-cpu-conversion',
        action='store_true',
        help='run the plain model on CPU (for comparison)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    args = parser.parse_args()
    args.pairs = args.ir is not None or args.vis is not None
    if args.pairs and (args.ir is None or args.vis is None):
        parser.error('--ir and --vis go together')
    if args.pairs and args.split is not None:
        parser.error('give either --ir and --vis, or --split')
    if (args.config is None) != (args.checkpoint is None):
        parser.error('give both CONFIG and CHECKPOINT, or neither (the '
                     'shipped fusion weights)')
    if not args.pairs:
        if args.config is None:
            parser.error('give --ir and --vis, or CONFIG CHECKPOINT --split')
        args.split = args.split or 'test'
    if args.pairs and args.cfg_options:
        parser.error('--cfg-options applies to --split only')
    return args


def split_dataset_cfg(cfg: ConfigDict, split: str) -> ConfigDict:
    """The dataset config of a split, unwrapped from single-dataset
    wrappers (``RepeatDataset`` ...), with the inference pipeline.

    Args:
        cfg (ConfigDict): The full config.
        split (str): ``'train'``, ``'val'`` or ``'test'``.

    Returns:
        ConfigDict: A dataset config.

    Raises:
        KeyError: The config has no dataset for the split.
        ValueError: The dataset concatenates several datasets.
    """
    loader_cfg = cfg.get(f'{split}_dataloader')
    if not loader_cfg or 'dataset' not in loader_cfg:
        raise KeyError(f'The config has no {split}_dataloader.dataset.')
    dataset_cfg = loader_cfg.dataset
    while 'dataset' in dataset_cfg:
        dataset_cfg = dataset_cfg.dataset
    if 'datasets' in dataset_cfg:
        raise ValueError(
            f'{split}_dataloader.dataset concatenates several datasets; '
            'fuse them one at a time by setting '
            f'--cfg-options {split}_dataloader.dataset=... to each.')
    dataset_cfg = dataset_cfg.copy()
    dataset_cfg.pipeline = inference_pipeline_cfg(cfg)
    return dataset_cfg


def load_sample(dataset: BaseDataset, index: int) -> dict:
    """Sample ``index`` through the dataset's (inference) pipeline."""
    data = dataset.prepare_data(index)
    if data is None:
        raise ValueError('the pipeline dropped the sample')
    return data


def fuse_split(args: argparse.Namespace) -> BatchReport:
    """Fuse every sample of ``args.split``, keeping going past bad ones."""
    model = init_model(
        args.config,
        args.checkpoint,
        args.device,
        args.cfg_options,
        trust_checkpoint=True)
    model = prepare_for_inference(
        model,
        precision=args.precision,
        cpu_conversion=not args.no_cpu_conversion)
    dataset = DATASETS.build(split_dataset_cfg(model.cfg, args.split))
    img_dir = dataset.data_prefix.get('img_path', '')

    report = BatchReport('images', echo=True)
    todo = []
    for index in range(len(dataset)):
        img_path = dataset.get_data_info(index)['img_path']
        name = osp.splitext(osp.relpath(img_path, img_dir))[0]
        out = osp.join(args.out_dir, name + '.png')
        if not (args.skip_existing and report.skip_existing(name, [out])):
            todo.append((name, index))

    progress = ProgressBar(len(todo))
    samples = load_keep_going(todo, partial(load_sample, dataset),
                              args.num_workers)
    with torch.no_grad():
        for name, data, error in samples:
            if error is not None:
                report.failed(name, error)
            else:
                with report.attempt(name):
                    output = model.test_step(pseudo_collate([data]))[0]
                    fused = FusionSegLocalVisualizer.fused_to_uint8(
                        output.pred_fused_img)
                    out = osp.join(args.out_dir, name + '.png')
                    mmcv.imwrite(
                        mmcv.rgb2bgr(fused),
                        out,
                        backend_args=atomic_backend_args(out))
            progress.update()
    return report


def fuse_pairs(args: argparse.Namespace) -> BatchReport:
    """Fuse the ``--ir``/``--vis`` pairs, keeping going past bad ones."""
    pairs = collect_pairs(args.ir, args.vis)
    model = init_fusion_model(
        args.config, args.checkpoint, args.device, trust_checkpoint=True)
    model = prepare_for_inference(
        model,
        precision=args.precision,
        cpu_conversion=not args.no_cpu_conversion)
    loader = LoadMultiModalImages(uint16_rule=args.uint16_rule)
    report = BatchReport('pairs', echo=True)
    report.add_problems(pairs.problems)
    progress = ProgressBar(len(pairs.matched))
    for name, paths in pairs.matched:
        out = osp.join(args.out_dir, name + '.png')
        if not (args.skip_existing and report.skip_existing(name, [out])):
            with report.attempt(name):
                fused = fuse_pair(model, paths['ir'], paths['vis'], loader)
                mmcv.imwrite(
                    mmcv.rgb2bgr(fused),
                    out,
                    backend_args=atomic_backend_args(out))
        progress.update()
    return report


def main() -> None:
    args = parse_args()
    report = fuse_pairs(args) if args.pairs else fuse_split(args)
    where = 'pairs' if args.pairs else f'{args.split} split'
    print(f'\n{report.summary()}\nFused images of the {where} in '
          f'{args.out_dir}')
    if report.exit_code:
        sys.exit(report.exit_code)


if __name__ == '__main__':
    main()
