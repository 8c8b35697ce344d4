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
from typing import Dict, List, Tuple

import mmcv
from mmengine.config import DictAction
from mmengine.utils import ProgressBar

from segmif_mm.apis import inference_model, init_model
from segmif_mm.utils import tune_malloc_for_inference
from segmif_mm.visualization import FusionSegLocalVisualizer

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


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


def _images_by_stem(folder: str) -> Dict[str, str]:
    """Image files of a folder (not recursive) keyed by name without
    extension."""
    images: Dict[str, str] = {}
    for entry in sorted(os.listdir(folder)):
        stem, suffix = osp.splitext(entry)
        if suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if stem in images:
            raise ValueError(
                f'{folder} holds two images named {stem} '
                f'({osp.basename(images[stem])} and {entry}); keep one.')
        images[stem] = osp.join(folder, entry)
    if not images:
        raise ValueError(f'{folder} contains no images with a suffix in '
                         f'{IMAGE_SUFFIXES}.')
    return images


def collect_pairs(ir: str, vis: str) -> List[Tuple[str, str, str]]:
    """Pair infrared and visible inputs.

    Args:
        ir (str): Infrared image file or folder.
        vis (str): Visible image file or folder.

    Returns:
        list[tuple[str, str, str]]: ``(name, ir_path, vis_path)`` sorted by
        name; ``name`` is the visible file name without extension.

    Raises:
        FileNotFoundError: A path does not exist.
        ValueError: A file is paired with a folder, or folder images have
            no partner.
    """
    for path in (ir, vis):
        if not osp.exists(path):
            raise FileNotFoundError(f'{path} does not exist.')
    if osp.isfile(ir) and osp.isfile(vis):
        return [(osp.splitext(osp.basename(vis))[0], ir, vis)]
    if not (osp.isdir(ir) and osp.isdir(vis)):
        raise ValueError(
            f'--ir {ir} and --vis {vis} must both be files or both be '
            'folders.')
    irs, viss = _images_by_stem(ir), _images_by_stem(vis)
    only_ir, only_vis = sorted(set(irs) -
                               set(viss)), sorted(set(viss) - set(irs))
    if only_ir or only_vis:
        raise ValueError(
            'Images are matched by name without extension, but these have '
            f'no partner: infrared only ({ir}): {only_ir}; visible only '
            f'({vis}): {only_vis}.')
    return [(name, irs[name], viss[name]) for name in sorted(viss)]


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
