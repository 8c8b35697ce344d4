"""Fusion-quality metrics of a folder of fused images.

Example::

    python tools/eval_fusion.py --ir data/MSRS/test/ir \
        --vis data/MSRS/test/vi --fused work_dirs/segmif/fused \
        --out work_dirs/segmif/fusion_metrics.json

Fused, infrared and visible images are matched by name as the datasets
pair images (:mod:`segmif_mm.datasets.file_pairing`: relative path without
suffix, sub-folders included; ``00001D.png`` in ``--fused`` with
``00001D.jpg`` in ``--ir``). Infrared
and visible images are read with the dataset loader
(``LoadMultiModalImages``: 16-bit and 3-channel infrared images supported),
every image is converted to uint8 grey with MATLAB's ``rgb2gray`` rule and
the metrics follow the MATLAB suite of the fusion literature (see
``segmif_mm.evaluation.functional.fusion_metrics``). ``--out`` writes JSON
(atomically) with the metrics of every image, keyed by the fused file name,
their means and the names that failed.

The run keeps going past bad inputs: a name missing in a folder, an
unreadable or empty file, sizes that differ within a triplet... is reported
with its reason and left out of the means; a summary follows the table and
the exit status is 1 if anything failed. (The tool writes no per-image
files, so there is nothing for a ``--skip-existing`` to skip.)

Speed: with ``--device cuda``, ``--workers`` processes decode the next
triplets while the metrics of the current ones are computed (on CPU the
metrics already keep every core busy, so decoding in other processes
gains nothing there and is off by default). Consecutive triplets of one
size are evaluated together in batches of up to ``--batch-size`` triplets
and ``--batch-pixels`` pixels per image stack (the metric functions are
batched). Batching pays for small images, whose time goes to per-call
overhead; from about 640x480 on, the float64 maps of one triplet already
outgrow the CPU caches and a larger batch is slower, so such images go one
at a time (see docs/benchmarks.md). Freed float64 maps are reused within
the run instead of being returned to the system after every triplet.
Per-image values are the same either way.
"""
import argparse
import os
import os.path as osp
import sys
from functools import partial
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import mmengine
import numpy as np
import torch
from mmengine.utils import ProgressBar

from segmif_mm.apis import BatchReport, load_keep_going
from segmif_mm.datasets import match_by_name
from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.datasets.transforms.image_files import (decode_image,
                                                       read_image_bytes)
from segmif_mm.deploy import reuse_freed_memory
from segmif_mm.evaluation.functional import (FUSION_METRICS, fusion_metrics,
                                             fusion_metrics_table, rgb_to_gray)
from segmif_mm.utils import atomic_backend_args, describe

Triplet = Tuple[np.ndarray, np.ndarray, np.ndarray]


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
    parser.add_argument(
        '--batch-size',
        type=int,
        default=8,
        help='most triplets of one size evaluated together (default: 8)')
    parser.add_argument(
        '--batch-pixels',
        type=int,
        default=2**18,
        help='most pixels (H x W x triplets) of a batch; a larger image '
        'goes alone (default: 2**18)')
    parser.add_argument(
        '--workers',
        type=int,
        help='processes decoding images ahead of the metrics; 0 decodes in '
        'this process (default: 0 with --device cpu, whose metrics keep '
        'every core busy; min(2, CPUs) with --device cuda)')
    args = parser.parse_args(argv)
    if args.workers is None:
        on_gpu = args.device == 'cuda'
        args.workers = min(2, os.cpu_count() or 1) if on_gpu else 0
    if args.batch_size < 1 or args.batch_pixels < 1 or args.workers < 0:
        parser.error('--batch-size and --batch-pixels must be >= 1 and '
                     '--workers >= 0')
    return args


def read_fused(path: str) -> np.ndarray:
    """A fused 8-bit grey or colour image as uint8 grey ``[H, W]``."""
    image = decode_image(
        read_image_bytes(path, 'Fused image'), path, 'Fused image')
    if image.dtype != np.uint8:
        raise TypeError(
            f'Fused image {path} is {image.dtype}; fusion metrics compare '
            '8-bit images. Save fused images as 8-bit PNG.')
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        return image
    if image.shape[2] != 3:
        raise ValueError(
            f'Fused image {path} has {image.shape[2]} channels; expected 1 '
            '(grey) or 3 (colour). Drop the alpha channel.')
    rgb = torch.from_numpy(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return rgb_to_gray(rgb.permute(2, 0, 1)).numpy()


def load_triplet(paths: Dict[str, str], uint16_rule: str,
                 uint16_shift: int) -> Triplet:
    """uint8 grey ``(fused, infrared, visible)`` ``[H, W]`` of one name,
    the sources read with the dataset loader's rules.

    Raises:
        ValueError: The fused image's size differs from the sources'.
    """
    loaded = LoadMultiModalImages(
        uint16_rule=uint16_rule, uint16_shift=uint16_shift)(
            dict(img_path=paths['vis'], ir_path=paths['ir']))
    infrared = loaded['ir']
    visible = rgb_to_gray(torch.from_numpy(loaded['img']).permute(2, 0, 1))
    fused = read_fused(paths['fused'])
    if fused.shape != infrared.shape:
        raise ValueError(
            f'Fused image {paths["fused"]} is {fused.shape[0]}x'
            f'{fused.shape[1]} (HxW) but {paths["ir"]} and {paths["vis"]} '
            f'are {infrared.shape[0]}x{infrared.shape[1]}; fuse at the '
            'original size.')
    return fused, infrared, visible.numpy()


def same_size_batches(
        loaded: Iterator[Tuple[str, Optional[Triplet], Optional[str]]],
        batch_size: int, batch_pixels: int, report: BatchReport,
        progress: ProgressBar) -> Iterator[Tuple[List[str], List[Triplet]]]:
    """Group consecutive loaded triplets of one size, at most
    ``batch_size`` of them and ``batch_pixels`` pixels (one triplet at
    least); failed loads go to the report and count as done on the
    progress bar."""
    names: List[str] = []
    triplets: List[Triplet] = []
    for name, triplet, reason in loaded:
        if reason is not None:
            report.failed(name, reason)
            progress.update()
            continue
        if triplets and (triplet[0].shape != triplets[0][0].shape
                         or len(triplets) == batch_size or
                         (len(triplets) + 1) * triplet[0].size > batch_pixels):
            yield names, triplets
            names, triplets = [], []
        names.append(name)
        triplets.append(triplet)
    if triplets:
        yield names, triplets


def batch_metrics(triplets: List[Triplet], device: str,
                  mi_joint_quirk: bool) -> List[Dict[str, float]]:
    """Metrics of triplets of one size, computed as one batch."""
    fused, ir, vis = (
        torch.from_numpy(np.stack(images)).to(device)
        for images in zip(*triplets))
    values = fusion_metrics(fused, ir, vis, mi_joint_quirk=mi_joint_quirk)
    values = {name: value.tolist() for name, value in values.items()}
    return [{
        name: values[name][i]
        for name in FUSION_METRICS
    } for i in range(len(triplets))]


def batch_metrics_keep_going(triplets: List[Triplet], device: str,
                             mi_joint_quirk: bool) -> List[Union[dict, str]]:
    """:func:`batch_metrics`, or if the batch fails, each triplet alone:
    its metrics, or the reason it failed."""
    try:
        return batch_metrics(triplets, device, mi_joint_quirk)
    except Exception:  # find which triplet: one at a time
        results: List[Union[dict, str]] = []
        for triplet in triplets:
            try:
                results += batch_metrics([triplet], device, mi_joint_quirk)
            except Exception as err:  # reported, the run goes on
                results.append(describe(err))
        return results


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda, but CUDA is not available; use '
                           '--device cpu.')
    matching = match_by_name(dict(ir=args.ir, vis=args.vis, fused=args.fused))
    report = BatchReport('triplets', echo=True)
    report.add_problems(matching.problems)
    file_names = {
        name: osp.relpath(paths['fused'], args.fused)
        for name, paths in matching.matched
    }
    loaded = load_keep_going(
        matching.matched,
        partial(
            load_triplet,
            uint16_rule=args.uint16_rule,
            uint16_shift=args.uint16_shift),
        num_workers=min(args.workers, len(matching.matched)))
    per_image: Dict[str, Dict[str, float]] = {}
    progress = ProgressBar(len(matching.matched))

    # The metrics allocate and free many image-sized float64 maps; reusing
    # the freed heap blocks instead of faulting in fresh pages for each one
    # nearly halves their time on CPU (results are unchanged).
    with reuse_freed_memory():
        for names, triplets in same_size_batches(loaded, args.batch_size,
                                                 args.batch_pixels, report,
                                                 progress):
            results = batch_metrics_keep_going(triplets, args.device,
                                               not args.mi_exact)
            for name, result in zip(names, results):
                if isinstance(result, str):
                    report.failed(name, result)
                else:
                    per_image[file_names[name]] = result
                    report.done(name)
                progress.update()
    means = {
        name:
        float(np.mean([values[name] for values in per_image.values()]))
        if per_image else float('nan')
        for name in FUSION_METRICS
    }
    if per_image:
        print('\n' + fusion_metrics_table(means, len(per_image)).get_string())
    result = dict(
        num_images=len(per_image),
        mi_joint_quirk=not args.mi_exact,
        mean=means,
        per_image=per_image,
        report=report.as_dict())
    if args.out:
        mmengine.dump(
            result,
            args.out,
            backend_args=atomic_backend_args(args.out),
            indent=2)
        print(f'Per-image values and means written to {args.out}')
    print(report.summary())
    if report.exit_code:
        sys.exit(report.exit_code)
    return result


if __name__ == '__main__':
    main()
