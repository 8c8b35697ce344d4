"""Fusion-quality metrics of a folder of fused images.

Example::

    python tools/eval_fusion.py --ir data/MSRS/test/ir \
        --vis data/MSRS/test/vi --fused work_dirs/segmif/fused \
        --out work_dirs/segmif/fusion_metrics.json

Fused, infrared and visible images are matched by file name without suffix
(``00001D.png`` in ``--fused`` with ``00001D.jpg`` in ``--ir``). Infrared
and visible images are read with the dataset loader
(``LoadMultiModalImages``: 16-bit and 3-channel infrared images supported),
every image is converted to uint8 grey with MATLAB's ``rgb2gray`` rule and
the metrics follow the MATLAB suite of the fusion literature (see
``segmif_mm.evaluation.functional.fusion_metrics``). ``--out`` writes JSON
with the metrics of every image, keyed by the fused file name, and their
means.
"""
import argparse
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.utils import ProgressBar

from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.evaluation.functional import (FUSION_METRICS, fusion_metrics,
                                             fusion_metrics_table,
                                             grey_sources, rgb_to_gray)

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Fusion-quality metrics (EN, SD, SF, AG, MI, SCD, VIF, '
        'Qabf, SSIM, CC, MSE, PSNR) of fused images.')
    parser.add_argument('--ir', required=True, help='infrared image folder')
    parser.add_argument('--vis', required=True, help='visible image folder')
    parser.add_argument('--fused', required=True, help='fused image folder')
    parser.add_argument('--out', help='JSON file for per-image values/means')
    parser.add_argument(
        '--device',
        default='cpu',
        choices=['cpu', 'cuda'],
        help='device computing the metrics (default: cpu)')
    parser.add_argument(
        '--mi-exact',
        action='store_true',
        help='exact MI instead of the MATLAB suite\'s joint histogram that '
        'merges grey levels 254 and 255')
    parser.add_argument(
        '--uint16-rule',
        default='minmax',
        choices=['minmax', 'shift'],
        help='16-bit infrared to 8 bit, as LoadMultiModalImages '
        '(default: minmax)')
    parser.add_argument(
        '--uint16-shift',
        type=int,
        default=8,
        help='right shift of the "shift" rule (default: 8)')
    return parser.parse_args(argv)


def list_images(folder: str, option: str) -> Dict[str, Path]:
    """Images of a folder keyed by file name without suffix."""
    path = Path(folder)
    if not path.is_dir():
        raise FileNotFoundError(f'{option} {folder} is not a folder.')
    images: Dict[str, Path] = {}
    for file in sorted(path.iterdir()):
        if file.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if file.stem in images:
            raise ValueError(
                f'{option} {folder} has two images named {file.stem}: '
                f'{images[file.stem].name} and {file.name}; keep one.')
        images[file.stem] = file
    if not images:
        raise FileNotFoundError(
            f'{option} {folder} has no images ({", ".join(IMAGE_SUFFIXES)}).')
    return images


def match_triplets(ir: Dict[str, Path], vis: Dict[str, Path],
                   fused: Dict[str, Path]) -> List[Tuple[Path, Path, Path]]:
    """(infrared, visible, fused) paths with equal names, all or error."""
    folders = {'--ir': ir, '--vis': vis, '--fused': fused}
    names = set(ir) | set(vis) | set(fused)
    unmatched = []
    for option, images in folders.items():
        missing = sorted(names - set(images))
        if missing:
            unmatched.append(f'missing in {option}: {", ".join(missing)}')
    if unmatched:
        raise ValueError(
            'Infrared, visible and fused images are matched by file name '
            'without suffix, but these names are not in all three '
            'folders; ' + '; '.join(unmatched) + '.')
    return [(ir[name], vis[name], fused[name]) for name in sorted(names)]


def load_grey_sources(loader: LoadMultiModalImages, img_path: str,
                      ir_path: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """uint8 ``[H, W]`` infrared and grey visible images of a pair, read
    with the dataset loader's rules."""
    results = loader(dict(img_path=img_path, ir_path=ir_path))
    packed = np.concatenate([results['img'], results['ir'][..., None]], 2)
    return grey_sources(torch.from_numpy(packed).permute(2, 0, 1))


def read_fused(path: Path) -> torch.Tensor:
    """A fused 8-bit grey or colour image as uint8 grey ``[H, W]``."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise OSError(f'Fused image {path} cannot be decoded.')
    if image.dtype != np.uint8:
        raise TypeError(
            f'Fused image {path} is {image.dtype}; fusion metrics compare '
            '8-bit images. Save fused images as 8-bit PNG.')
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        return torch.from_numpy(image)
    if image.shape[2] != 3:
        raise ValueError(
            f'Fused image {path} has {image.shape[2]} channels; expected 1 '
            '(grey) or 3 (colour). Drop the alpha channel.')
    rgb = np.ascontiguousarray(image[..., ::-1])
    return rgb_to_gray(torch.from_numpy(rgb).permute(2, 0, 1))


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda, but CUDA is not available; use '
                           '--device cpu.')
    triplets = match_triplets(
        list_images(args.ir, '--ir'), list_images(args.vis, '--vis'),
        list_images(args.fused, '--fused'))
    loader = LoadMultiModalImages(
        uint16_rule=args.uint16_rule, uint16_shift=args.uint16_shift)
    per_image: Dict[str, Dict[str, float]] = {}
    progress = ProgressBar(len(triplets))
    for ir_path, vis_path, fused_path in triplets:
        infrared, visible = load_grey_sources(loader, str(vis_path),
                                              str(ir_path))
        fused = read_fused(fused_path)
        if fused.shape != infrared.shape:
            raise ValueError(
                f'Fused image {fused_path} is {fused.shape[0]}x'
                f'{fused.shape[1]} (HxW) but {ir_path} and {vis_path} are '
                f'{infrared.shape[0]}x{infrared.shape[1]}; fuse at the '
                'original size.')
        per_image[fused_path.name] = fusion_metrics(
            fused.to(args.device),
            infrared.to(args.device),
            visible.to(args.device),
            mi_joint_quirk=not args.mi_exact)
        progress.update()
    means = {
        name: float(np.mean([values[name] for values in per_image.values()]))
        for name in FUSION_METRICS
    }
    print('\n' + fusion_metrics_table(means, len(per_image)).get_string())
    report = dict(
        num_images=len(per_image),
        mi_joint_quirk=not args.mi_exact,
        mean=means,
        per_image=per_image)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))
        print(f'Per-image values and means written to {out}')
    return report


if __name__ == '__main__':
    main()
