"""Time all fusion-quality metrics of one 640x480 triplet: torch vs numpy.

Example::

    python tools/analysis/benchmark_fusion_metrics.py --threads 2 --runs 5

The triplet is a real MSRS pair (``../shared/data/real/msrs_objects``), else
the 640x480 VIFB pair (``vifb_pairs/labMan``), else a synthetic pair; the
fused image is the rounded average of the two sources. The torch functions
(:func:`segmif_mm.evaluation.functional.fusion_metrics`) are timed against
the slow numpy/scipy transcription that the tests use as their oracle
(``tests/test_evaluation/reference_numpy.py``); each side is run
once to warm up, then the median of ``--runs`` runs is reported with the
ratio and the largest difference between the two results.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Tuple

import numpy as np
import torch

from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.evaluation.functional import FUSION_METRICS, fusion_metrics

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / 'shared' / 'data' / 'real'
# The numpy reference is a test oracle, kept beside the tests that use it
# rather than in the installed package.
sys.path.insert(0, str(REPO / 'tests' / 'test_evaluation'))
import reference_numpy  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark the torch fusion metrics against the numpy '
        'reference on one 640x480 triplet.')
    parser.add_argument(
        '--real-root',
        default=str(REAL),
        help=f'folder of the real samples (default: {REAL})')
    parser.add_argument(
        '--runs', type=int, default=5, help='timed runs per side')
    parser.add_argument(
        '--threads', type=int, default=2, help='torch CPU threads')
    parser.add_argument(
        '--device',
        default='cpu',
        choices=['cpu', 'cuda'],
        help='torch device (default: cpu)')
    return parser.parse_args()


def load_triplet(root: Path) -> Tuple[str, np.ndarray, np.ndarray]:
    """Infrared and grey visible uint8 images of a 640x480 pair."""
    candidates = [(root / 'msrs_objects', '00001D.png'),
                  (root / 'vifb_pairs', 'labMan.jpg')]
    for folder, name in candidates:
        if (folder / 'vi' / name).exists() and (folder / 'ir' / name).exists():
            sources = LoadMultiModalImages()(
                dict(
                    img_path=str(folder / 'vi' / name),
                    ir_path=str(folder / 'ir' / name)))
            return (f'{folder.name}/{name}', sources['ir'],
                    reference_numpy.rgb2gray(sources['img']))
    rng = np.random.default_rng(0)
    smooth = np.cumsum(rng.normal(size=(2, 480, 640)), axis=2)
    smooth = (smooth - smooth.min()) / np.ptp(smooth) * 255
    return 'synthetic', smooth[0].astype(np.uint8), smooth[1].astype(np.uint8)


def median_time(function: Callable, runs: int, sync: Callable) -> float:
    """Median wall time of ``runs`` calls after one warm-up call."""
    function()
    sync()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    source, ir, vis = load_triplet(Path(args.real_root))
    fused = np.floor((ir.astype(np.float64) + vis) / 2 + 0.5).astype(np.uint8)
    device = torch.device(args.device)
    tensors = [torch.from_numpy(x).to(device) for x in (fused, ir, vis)]
    sync = torch.cuda.synchronize if device.type == 'cuda' else lambda: None

    torch_time = median_time(lambda: fusion_metrics(*tensors), args.runs, sync)
    numpy_time = median_time(
        lambda: reference_numpy.all_metrics(fused, ir, vis), args.runs,
        lambda: None)
    ours = fusion_metrics(*tensors)
    reference = reference_numpy.all_metrics(fused, ir, vis)
    worst = max(FUSION_METRICS, key=lambda k: abs(ours[k] - reference[k]))
    print(f'Triplet: {source}, {ir.shape[1]}x{ir.shape[0]}; all 12 metrics '
          f'({len(FUSION_METRICS)} values with the textbook PSNR)')
    print(f'torch ({args.device}, {args.threads} threads): '
          f'{torch_time * 1000:.1f} ms (median of {args.runs})')
    print(f'numpy/scipy reference: {numpy_time * 1000:.1f} ms '
          f'(median of {args.runs})')
    print(f'speed-up: {numpy_time / torch_time:.1f}x')
    print(f'largest difference: {worst} '
          f'{abs(ours[worst] - reference[worst]):.2e}')
    # Other processes on a small CPU slow multi-threaded torch far more
    # than the single-threaded reference; report the load with the times.
    print(f'1-minute load average: {os.getloadavg()[0]:.2f} on '
          f'{os.cpu_count()} CPUs')


if __name__ == '__main__':
    main()
