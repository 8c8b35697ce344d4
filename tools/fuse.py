"""Write SegMiF's fused images for a whole dataset split.

    python tools/fuse.py CONFIG CHECKPOINT --split test --out-dir DIR
        [--device cuda:0] [--num-workers 2] [--skip-existing]
        [--cfg-options ...]

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
"""
import argparse
import os.path as osp
from functools import partial

import mmcv
import torch
from mmengine.config import ConfigDict, DictAction
from mmengine.dataset import BaseDataset, pseudo_collate
from mmengine.utils import ProgressBar

from mmseg.registry import DATASETS
from segmif_mm.apis import inference_pipeline_cfg, init_model
from segmif_mm.utils import BatchReport, imwrite_atomically, load_keep_going
from segmif_mm.visualization import FusionSegLocalVisualizer


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write fused images of a dataset split')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--split',
        choices=['train', 'val', 'test'],
        default='test',
        help='which *_dataloader.dataset of the config to fuse')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument(
        '--num-workers', type=int, default=0, help='dataloader workers')
    parser.add_argument(
        '--skip-existing',
        action='store_true',
        help='skip samples whose fused image exists (resume a run)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    return parser.parse_args()


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
    dataset = DATASETS.build(split_dataset_cfg(model.cfg, args.split))
    img_dir = dataset.data_prefix.get('img_path', '')

    report = BatchReport('images')
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
                    imwrite_atomically(
                        osp.join(args.out_dir, name + '.png'),
                        mmcv.rgb2bgr(fused))
            progress.update()
    return report


def main() -> None:
    args = parse_args()
    report = fuse_split(args)
    print(f'\n{report.summary()}\nFused images of the {args.split} split '
          f'in {args.out_dir}')
    report.exit()


if __name__ == '__main__':
    main()
