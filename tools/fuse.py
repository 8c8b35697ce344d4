"""Write SegMiF's fused images for a whole dataset split.

    python tools/fuse.py CONFIG CHECKPOINT --split test --out-dir DIR
        [--device cuda:0] [--num-workers 2] [--cfg-options ...]

The split's dataset (``cfg.{train,val,test}_dataloader.dataset``) is read
with the config's test pipeline minus annotation loading (no random
augmentation, labels not needed). Every fused image is written as an 8-bit
RGB PNG at the original size to ``DIR/<name>.png``, where ``<name>`` is the
visible image's path relative to the dataset's visible folder, without
extension. A stock MMSeg segmenter can then be trained on the fused images,
e.g. with ``data_prefix=dict(img_path=DIR, seg_map_path=...)`` and
``img_suffix='.png'``.
"""
import argparse
import os.path as osp

import mmcv
import torch
from mmengine.config import ConfigDict, DictAction
from mmengine.runner import Runner
from mmengine.utils import ProgressBar

from segmif_mm.apis import inference_pipeline_cfg, init_model
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


def main() -> None:
    args = parse_args()
    model = init_model(
        args.config,
        args.checkpoint,
        args.device,
        args.cfg_options,
        trust_checkpoint=True)
    dataloader = Runner.build_dataloader(
        dict(
            batch_size=1,
            num_workers=args.num_workers,
            persistent_workers=False,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=split_dataset_cfg(model.cfg, args.split)))
    dataset = dataloader.dataset
    img_dir = dataset.data_prefix.get('img_path', '')

    progress = ProgressBar(len(dataset))
    with torch.no_grad():
        for data_batch in dataloader:
            for output in model.test_step(data_batch):
                name = osp.splitext(osp.relpath(output.img_path, img_dir))[0]
                fused = FusionSegLocalVisualizer.fused_to_uint8(
                    output.pred_fused_img)
                mmcv.imwrite(
                    mmcv.rgb2bgr(fused), osp.join(args.out_dir, name + '.png'))
                progress.update()
    print(f'\n{len(dataset)} fused images of the {args.split} split written '
          f'to {args.out_dir}')


if __name__ == '__main__':
    main()
