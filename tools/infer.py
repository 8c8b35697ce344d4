"""Fuse and segment infrared/visible pairs with a trained SegMiF model.

    python tools/infer.py CONFIG CHECKPOINT --ir IR --vis VIS --out-dir DIR
        [--device cuda:0] [--batch-size 4] [--malloc-tuning]
        [--cfg-options ...]

``--ir``/``--vis`` are either two files (one pair) or two folders whose
images are matched by file name without extension (every image must have a
partner). Writes ``DIR/fused/<name>.png`` (8-bit RGB fused image) and
``DIR/seg/<name>.png`` (segmentation coloured with the dataset palette),
both at the input size. ``--malloc-tuning`` (CPU, glibc) keeps large
buffers for reuse between pairs instead of returning them to the system:
faster on big images, at the price of a resident size that stays at its peak
(see :func:`segmif_mm.utils.tune_malloc_for_inference`).
"""
import argparse
import os
import os.path as osp

import mmcv
from mmengine.config import DictAction
from mmengine.utils import ProgressBar

from segmif_mm.apis import inference_model, init_model
from segmif_mm.utils import collect_pairs, tune_malloc_for_inference
from segmif_mm.visualization import FusionSegLocalVisualizer


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
        '--malloc-tuning',
        action='store_true',
        help='reuse large CPU buffers between pairs (glibc mallopt)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    args = parser.parse_args()
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    return args


def main() -> None:
    args = parse_args()
    pairs = collect_pairs(args.ir, args.vis)
    if args.malloc_tuning and not tune_malloc_for_inference():
        print('--malloc-tuning ignored: it needs glibc (Linux).')
    model = init_model(
        args.config,
        args.checkpoint,
        args.device,
        args.cfg_options,
        trust_checkpoint=True)
    palette = model.dataset_meta['palette']
    for folder in ('fused', 'seg'):
        os.makedirs(osp.join(args.out_dir, folder), exist_ok=True)

    progress = ProgressBar(len(pairs))
    for start in range(0, len(pairs), args.batch_size):
        batch = pairs[start:start + args.batch_size]
        results = inference_model(model, [ir for _, ir, _ in batch],
                                  [vis for _, _, vis in batch])
        for (name, _, _), result in zip(batch, results):
            fused = FusionSegLocalVisualizer.fused_to_uint8(
                result.pred_fused_img)
            seg = FusionSegLocalVisualizer.colorize_sem_seg(
                result.pred_sem_seg, palette)
            mmcv.imwrite(
                mmcv.rgb2bgr(fused),
                osp.join(args.out_dir, 'fused', name + '.png'))
            mmcv.imwrite(
                mmcv.rgb2bgr(seg), osp.join(args.out_dir, 'seg',
                                            name + '.png'))
            progress.update()
    print(f'\n{len(pairs)} fused images and segmentations written to '
          f'{osp.join(args.out_dir, "fused")} and '
          f'{osp.join(args.out_dir, "seg")}')


if __name__ == '__main__':
    main()
