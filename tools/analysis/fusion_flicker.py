"""Temporal stability of fusion on a simulated slow pan over real pairs.

    python tools/analysis/fusion_flicker.py ../shared/data/real/roadscene \
        [--num-pairs 3 | --names FLIR_08932 ...] [--frames 30] [--shift 3] \
        [--crop 256] [--noise 0] [--model NAME_OR_CONFIG] [--weights CKPT] \
        [--out flicker.json]

No registered infrared/visible video is available, so a video is simulated
from each still pair (``<root>/{ir,vi}/<name>.*``): ``--frames`` crops of
``--crop`` x ``--crop`` pixels, vertically centred, the window moving
``--shift`` pixels to the right per frame, as a camera panning slowly.
``--noise`` adds fresh Gaussian noise of that standard deviation (grey
levels) to both sources in every frame, as a sensor does.

Flicker after re-alignment: frame ``t + 1`` is shifted back by the known
offset and compared with frame ``t`` on their overlap (``t[:, s:]`` against
``t+1[:, :-s]``); the flicker is the mean absolute grey-level change per
pixel and its 99th percentile, over all consecutive frames. It is measured
the same way on the sources (visible grey ``0.299 R + 0.587 G + 0.114 B``,
infrared) and on the fused grey image. Without noise the sources' flicker is
exactly 0 (they are crops of one image), so any flicker of the fused video
comes from the network (borders, image-wide attention context); with noise
it shows whether fusion damps or amplifies the sensors' flicker.

By default the pairs are the last ``--num-pairs`` (by sorted name) large
enough for the pan; in RoadScene these are among the last 41 pairs, which
the shipped weights were not trained on. Prints a table and writes a JSON
report with ``--out``.
"""
import argparse
import os.path as osp
from typing import Dict, List, Sequence

import cv2
import numpy as np
from mmengine.fileio import dump
from prettytable import PrettyTable

from segmif_mm.apis import SegMiFInferencer, add_model_arguments
from segmif_mm.datasets import match_by_name
from segmif_mm.utils import atomic_backend_args

SOURCES = ('visible', 'infrared', 'fused')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Flicker of fused video on a simulated pan')
    parser.add_argument('root', help='folder with ir/ and vi/ pairs')
    parser.add_argument(
        '--names', nargs='+', help='pair names (default: see --num-pairs)')
    parser.add_argument(
        '--num-pairs',
        type=int,
        default=3,
        help='the last pairs by name large enough for the pan')
    parser.add_argument('--frames', type=int, default=30, help='frames')
    parser.add_argument(
        '--shift', type=int, default=3, help='pixels moved per frame')
    parser.add_argument(
        '--crop', type=int, default=256, help='frame height and width')
    parser.add_argument(
        '--noise',
        type=float,
        default=0.0,
        help='std of per-frame Gaussian noise on the sources (grey levels)')
    add_model_arguments(parser)
    parser.add_argument('--out', help='JSON report')
    args = parser.parse_args()
    if args.frames < 2 or args.shift < 1 or args.crop <= args.shift:
        parser.error('need --frames >= 2, --shift >= 1 and --crop > --shift')
    return args


def pan_frames(image: np.ndarray, crop: int, shift: int,
               frames: int) -> List[np.ndarray]:
    """``frames`` crops of ``crop`` x ``crop`` pixels, vertically centred,
    the window moving ``shift`` pixels right per frame.

    Raises:
        ValueError: The image is too small for the pan.
    """
    height, width = image.shape[:2]
    needed = crop + shift * (frames - 1)
    if height < crop or width < needed:
        raise ValueError(f'The image is {height}x{width} (HxW); the pan needs '
                         f'at least {crop}x{needed}.')
    top = (height - crop) // 2
    return [
        image[top:top + crop, t * shift:t * shift + crop]
        for t in range(frames)
    ]


def realigned_changes(frames: Sequence[np.ndarray], shift: int) -> np.ndarray:
    """Absolute grey-level changes between consecutive frames of a pan,
    frame ``t + 1`` shifted back by ``shift`` pixels onto frame ``t``.

    Args:
        frames (Sequence[np.ndarray]): Grey frames ``(H, W)``.
        shift (int): Pixels the window moved right per frame.

    Returns:
        np.ndarray: float64 changes of every overlapping pixel, flattened.
    """
    changes = [
        np.abs(current[:, shift:].astype(np.float64) -
               following[:, :-shift].astype(np.float64)).ravel()
        for current, following in zip(frames[:-1], frames[1:])
    ]
    return np.concatenate(changes)


def flicker(changes: np.ndarray) -> Dict[str, float]:
    """Mean and 99th percentile of absolute grey-level changes."""
    return dict(
        mean=float(changes.mean()), p99=float(np.percentile(changes, 99)))


def add_noise(image: np.ndarray, sigma: float,
              rng: np.random.Generator) -> np.ndarray:
    """``image`` plus Gaussian noise, rounded and clipped to uint8."""
    if sigma == 0:
        return image
    noisy = image + rng.normal(0, sigma, image.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def pair_changes(inferencer: SegMiFInferencer, ir: np.ndarray, vis: np.ndarray,
                 args: argparse.Namespace,
                 rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """Re-aligned changes of the sources and of the fused video of one
    pair's pan (``vis`` B, G, R)."""
    vis_frames = [
        add_noise(frame, args.noise, rng)
        for frame in pan_frames(vis, args.crop, args.shift, args.frames)
    ]
    ir_frames = [
        add_noise(frame, args.noise, rng)
        for frame in pan_frames(ir, args.crop, args.shift, args.frames)
    ]
    predictions = inferencer([
        dict(ir=ir_frame, vis=vis_frame, name=str(t))
        for t, (ir_frame, vis_frame) in enumerate(zip(ir_frames, vis_frames))
    ])['predictions']
    greys = dict(
        visible=[cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in vis_frames],
        infrared=ir_frames,
        fused=[
            cv2.cvtColor(p['fused'], cv2.COLOR_RGB2GRAY) for p in predictions
        ])
    return {
        source: realigned_changes(frames, args.shift)
        for source, frames in greys.items()
    }


def main() -> None:
    args = parse_args()
    matching = match_by_name(
        dict(ir=osp.join(args.root, 'ir'), vis=osp.join(args.root, 'vi')))
    paths = dict(matching.matched)
    needed = (args.crop, args.crop + args.shift * (args.frames - 1))
    if args.names:
        names = args.names
    else:
        fitting = [
            name for name, pair in matching.matched
            if all(a >= b
                   for a, b in zip(cv2.imread(pair['vis']).shape[:2], needed))
        ]
        names = fitting[-args.num_pairs:]
    inferencer = SegMiFInferencer(
        args.model, args.weights, args.device, show_progress=False)
    rng = np.random.default_rng(0)
    report: Dict[str, dict] = dict(
        settings=dict(
            frames=args.frames,
            shift=args.shift,
            crop=args.crop,
            noise=args.noise,
            model=args.model or 'shipped'),
        pairs={})
    pooled: Dict[str, List[np.ndarray]] = {source: [] for source in SOURCES}
    table = PrettyTable(['pair'] +
                        [f'{s} {m}' for s in SOURCES for m in ('mean', 'p99')])
    for name in names:
        if name not in paths:
            raise KeyError(f'No pair named {name} in {args.root}.')
        changes = pair_changes(
            inferencer, cv2.imread(paths[name]['ir'], cv2.IMREAD_GRAYSCALE),
            cv2.imread(paths[name]['vis']), args, rng)
        report['pairs'][name] = {s: flicker(changes[s]) for s in SOURCES}
        for source in SOURCES:
            pooled[source].append(changes[source])
        table.add_row([name] + [
            f'{report["pairs"][name][s][m]:.3f}' for s in SOURCES
            for m in ('mean', 'p99')
        ])
    report['all'] = {s: flicker(np.concatenate(pooled[s])) for s in SOURCES}
    table.add_row(['all'] + [
        f'{report["all"][s][m]:.3f}' for s in SOURCES for m in ('mean', 'p99')
    ])
    print(f'Re-aligned flicker (grey levels), {args.frames} frames of '
          f'{args.crop}x{args.crop}, {args.shift} px per frame, noise '
          f'{args.noise:g}:\n{table}')
    if args.out:
        dump(report, args.out, backend_args=atomic_backend_args(args.out))


if __name__ == '__main__':
    main()
