"""Fuse an infrared video and a visible video (or two folders of
consecutive frames) into a fused video.

    # two registered videos, the shipped fusion model
    python demo/video_demo.py IR_VIDEO VIS_VIDEO fused.mp4
    # two folders of frames paired by name, at 30 frames per second
    python demo/video_demo.py IR_FRAMES/ VIS_FRAMES/ fused.mp4 --fps 30
        [--model NAME_OR_CONFIG] [--weights CHECKPOINT] [--device cuda:0]
        [--batch-size 4] [--panels] [--common-prefix]

Frame ``i`` of one sequence is fused with frame ``i`` of the other
(:class:`segmif_mm.apis.FramePairs`). Sequences of different lengths are an
error naming both lengths (exit status 1) unless ``--common-prefix`` fuses
only the frames both have. The video is written with OpenCV's ``mp4v``
codec at the visible video's frame rate (``--fps`` for folders), under a
temporary name renamed when complete. ``--panels`` writes the labelled
``visible | infrared | fused | segmentation`` panels instead of the fused
frames. A progress bar runs while fusing; the frames per second are printed
at the end.
"""
import sys
import time
from argparse import ArgumentParser, Namespace
from typing import Iterator, List

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from segmif_mm.apis import FramePairs, SegMiFInferencer, add_model_arguments
from segmif_mm.utils import write_atomically


def parse_args() -> Namespace:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ir', help='infrared video file or frame folder')
    parser.add_argument('vis', help='visible video file or frame folder')
    parser.add_argument('out', help='fused video file (.mp4)')
    add_model_arguments(parser)
    parser.add_argument(
        '--fps',
        type=float,
        help='frame rate of the output (default: the visible video\'s; 25 '
        'for folders)')
    parser.add_argument(
        '--batch-size', type=int, default=1, help='frames per forward pass')
    parser.add_argument(
        '--panels',
        action='store_true',
        help='write the labelled panels instead of the fused frames')
    parser.add_argument(
        '--common-prefix',
        action='store_true',
        help='fuse only the frames both sequences have when their lengths '
        'differ (default: an error)')
    args = parser.parse_args()
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    return args


def fused_frames(inferencer: SegMiFInferencer, frames: FramePairs,
                 batch_size: int, panels: bool) -> Iterator[np.ndarray]:
    """The fused frames (or panels), uint8 R, G, B, in order."""
    batch: List[dict] = []
    for index, (name, ir, vis) in enumerate(frames, 1):
        batch.append(dict(ir=ir, vis=vis, name=name))
        if len(batch) < batch_size and index < len(frames):
            continue
        result = inferencer(batch, batch_size=batch_size, return_vis=panels)
        # one pair's outputs come unwrapped, as in mmseg's inferencer
        outputs = result['visualization' if panels else 'predictions']
        outputs = outputs if len(batch) > 1 else [outputs]
        yield from (outputs if panels else
                    [prediction['fused'] for prediction in outputs])
        batch = []


def write_video(path: str, images: Iterator[np.ndarray], fps: float,
                progress: ProgressBar) -> int:
    """Write R, G, B frames with the ``mp4v`` codec; return their number."""
    writer, count = None, 0
    try:
        for image in images:
            if writer is None:
                height, width = image.shape[:2]
                writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'),
                                         fps, (width, height))
                if not writer.isOpened():
                    raise OSError(f'OpenCV cannot write the video {path}; '
                                  'use the .mp4 suffix.')
            writer.write(np.ascontiguousarray(image[..., ::-1]))
            count += 1
            progress.update()
    finally:
        if writer is not None:
            writer.release()
    return count


def main() -> None:
    args = parse_args()
    try:
        frames = FramePairs(args.ir, args.vis, args.common_prefix)
    except ValueError as err:
        sys.exit(f'Error: {err}')
    fps = args.fps or frames.fps or 25.0
    inferencer = SegMiFInferencer(
        args.model, args.weights, args.device, show_progress=False)
    images = fused_frames(inferencer, frames, args.batch_size, args.panels)
    progress = ProgressBar(len(frames))
    start = time.perf_counter()
    counts = []
    write_atomically(
        args.out,
        lambda tmp: counts.append(write_video(tmp, images, fps, progress)))
    seconds = time.perf_counter() - start
    print(f'\n{counts[0]} frames fused in {seconds:.1f} s '
          f'({counts[0] / seconds:.2f} frames per second); written to '
          f'{args.out} at {fps:g} fps')


if __name__ == '__main__':
    main()
