"""Save training samples as the network sees them: VIS | IR | label panels.

    python tools/analysis/browse_dataset.py CONFIG --output-dir browse/
        [--split train|val|test] [--num 20] [--cfg-options ...]

Each sample of the split's dataset (``cfg.<split>_dataloader.dataset``,
wrappers included) goes through the split's pipeline, random augmentation
included, and is drawn by ``FusionSegLocalVisualizer`` as one PNG: the
visible image, the infrared image and, when the pipeline loads labels, the
label drawn with the dataset's palette over the visible image. Label-free
datasets (``FusionPairDataset``) give VIS | IR. The files are
``<index>_<name>.png`` in ``--output-dir``.
"""
import argparse
import os.path as osp

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.utils import ProgressBar

from mmseg.registry import VISUALIZERS
from segmif_mm.datasets import build_split_dataset


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Save samples after the pipeline as VIS | IR | label')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--output-dir', required=True, help='folder for the panels')
    parser.add_argument(
        '--split',
        choices=['train', 'val', 'test'],
        default='train',
        help='whose dataset and pipeline (default: train)')
    parser.add_argument(
        '--num',
        type=int,
        default=20,
        help='samples to save, from the first (default: 20; 0 = all)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    return parser.parse_args()


def sample_image(inputs) -> np.ndarray:
    """The packed input of a sample as uint8 ``(H, W, C)`` (R, G, B, IR)."""
    image = inputs.permute(1, 2, 0).numpy()
    if image.dtype != np.uint8:
        image = np.clip(np.round(image), 0, 255).astype(np.uint8)
    if image.shape[2] != 4:
        raise ValueError(
            f'The pipeline packs {image.shape[2]}-channel inputs; '
            'browse_dataset draws R, G, B, IR samples (ConcatInfrared '
            'before PackSegInputs).')
    return image


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    dataset = build_split_dataset(cfg, args.split)
    visualizer = VISUALIZERS.build(
        dict(type='FusionSegLocalVisualizer', name='browse_dataset'))
    visualizer.dataset_meta = dataset.metainfo
    total = len(dataset) if args.num <= 0 else min(args.num, len(dataset))
    progress = ProgressBar(total)
    for index in range(total):
        item = dataset[index]
        sample = item['data_samples']
        name = osp.splitext(osp.basename(sample.img_path))[0]
        visualizer.add_datasample(
            name,
            sample_image(item['inputs']),
            sample,
            draw_pred=False,
            out_file=osp.join(args.output_dir, f'{index:05d}_{name}.png'))
        progress.update()
    print(f'\n{total} panels written to {args.output_dir}')


if __name__ == '__main__':
    main()
