"""Time ``tools/eval_fusion.py`` as a user runs it against the numpy/scipy
transcription of the same formulas, per image.

Example::

    python tools/analysis/benchmark_eval_fusion.py --threads 2 --runs 3

Data: real pairs from ``../shared/data/real`` (the six 640x480 MSRS
triplets and the two MFNet frames, all 640x480) at ``--size`` (default
640x480, their own size; other sizes resize them bilinearly) written as
PNG to a temporary folder, with a fused
image made by the max rule on the grey levels (visible colour kept).

* ours: ``tools/eval_fusion.py``'s ``main()`` on the three folders, called
  in this process (file listing and matching, PNG decoding, grey
  conversion, all metrics, the JSON written) after one warm-up call; per
  image = one call / number of images. ``--cli`` also times the command
  line in a fresh process (interpreter start and imports included), once.
* reference: one of the first ``--reference-images`` names (in turn), the
  same decoding (``LoadMultiModalImages`` for the sources, OpenCV for the
  fused image), MATLAB's ``rgb2gray`` in numpy and
  ``reference_numpy.all_metrics``
  (``tests/test_evaluation/reference_numpy.py``).

The two are interleaved: each of ``--runs`` rounds times one call of ours,
then one reference image, so a change of machine speed (other tenants of a
shared host) hits both sides of a round alike. Prints the medians of both
per-image times, the ratio of each round and their median, and the largest
difference of the values on the reference images.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import cv2
import numpy as np
import torch

from segmif_mm.datasets.transforms import LoadMultiModalImages

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / 'shared' / 'data' / 'real'
TOOL = REPO / 'tools' / 'eval_fusion.py'
sys.path.insert(0, str(REPO / 'tests' / 'test_evaluation'))
sys.path.insert(0, str(REPO / 'tools'))
import eval_fusion  # noqa: E402
import reference_numpy  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Tool-level timing of the fusion metrics: '
        'tools/eval_fusion.py against the numpy reference.')
    parser.add_argument('--real-root', default=str(REAL))
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=[640, 480],
        metavar=('W', 'H'),
        help='image size (default: 640 480, the samples\' own)')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--reference-images', type=int, default=2)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument(
        '--workers',
        type=int,
        help='eval_fusion.py --workers (default: its default)')
    parser.add_argument(
        '--cli',
        action='store_true',
        help='also time the command line in a fresh process')
    args = parser.parse_args()
    if min(args.runs, args.reference_images) < 1:
        parser.error('--runs and --reference-images must be >= 1')
    return args


def make_data(root: Path, size: List[int], out: Path) -> List[str]:
    """ir/vis/fused folders of resized real triplets; their names."""
    sources = []
    msrs = root / 'msrs_objects'
    for path in sorted((msrs / 'ir').glob('*.png')):
        sources.append((path.stem, cv2.imread(str(msrs / 'vi' / path.name)),
                        cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)))
    for path in sorted((root / 'mfnet_4ch').glob('*.png')):
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)  # B, G, R, T
        sources.append((path.stem, image[..., :3], image[..., 3]))
    if not sources:
        raise FileNotFoundError(f'No real samples under {root}.')
    for folder in ('ir', 'vis', 'fused'):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for name, vis, ir in sources:
        vis = cv2.resize(vis, tuple(size), interpolation=cv2.INTER_LINEAR)
        ir = cv2.resize(ir, tuple(size), interpolation=cv2.INTER_LINEAR)
        ycrcb = cv2.cvtColor(vis, cv2.COLOR_BGR2YCrCb)
        ycrcb[..., 0] = np.maximum(ycrcb[..., 0], ir)
        fused = cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2BGR)
        for folder, image in (('ir', ir), ('vis', vis), ('fused', fused)):
            cv2.imwrite(str(out / folder / f'{name}.png'), image)
    return [name for name, _, _ in sources]


def reference_values(folder: Path, name: str) -> Dict[str, float]:
    """Decode one triplet and compute the numpy reference metrics."""
    loaded = LoadMultiModalImages()(
        dict(
            img_path=str(folder / 'vis' / f'{name}.png'),
            ir_path=str(folder / 'ir' / f'{name}.png')))
    fused = cv2.imread(str(folder / 'fused' / f'{name}.png'))
    return reference_numpy.all_metrics(
        reference_numpy.rgb2gray(fused[..., ::-1]), loaded['ir'],
        reference_numpy.rgb2gray(loaded['img']))


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = make_data(Path(args.real_root), args.size, folder)
        argv = [
            '--ir',
            str(folder / 'ir'), '--vis',
            str(folder / 'vis'), '--fused',
            str(folder / 'fused'), '--out',
            str(folder / 'scores.json')
        ] + (['--workers', str(args.workers)]
             if args.workers is not None else [])
        eval_fusion.main(argv)  # warm-up
        times, ref_times, worst = [], [], 0.0
        for run in range(args.runs):
            start = time.perf_counter()
            ours = eval_fusion.main(argv)
            times.append(time.perf_counter() - start)
            name = names[run % min(args.reference_images, len(names))]
            start = time.perf_counter()
            reference = reference_values(folder, name)
            ref_times.append(time.perf_counter() - start)
            mine = ours['per_image'][f'{name}.png']
            worst = max(worst,
                        max(abs(mine[k] - reference[k]) for k in reference))
        cli = None
        if args.cli:
            env = dict(
                os.environ,
                OMP_NUM_THREADS=str(args.threads),
                PYTHONPATH=os.pathsep.join(
                    p for p in (str(REPO), os.environ.get('PYTHONPATH')) if p))
            start = time.perf_counter()
            subprocess.run([sys.executable, str(TOOL), *argv],
                           env=env,
                           check=True,
                           stdout=subprocess.DEVNULL)
            cli = time.perf_counter() - start
    ours_per_image = statistics.median(times) / len(names)
    ref_per_image = statistics.median(ref_times)
    ratios = [ref / (t / len(names)) for t, ref in zip(times, ref_times)]
    ratio = statistics.median(ratios)
    print(f'{len(names)} real triplets at {args.size[0]}x{args.size[1]} '
          f'(PNG), {args.threads} torch threads, {os.cpu_count()} CPUs')
    print(f'tools/eval_fusion.py main(), decoding included: '
          f'{ours_per_image * 1e3:.1f} ms per image (median of '
          f'{args.runs} calls over {len(names)} images: '
          f'{", ".join(f"{t:.2f}" for t in times)} s)')
    if cli is not None:
        print(f'  command line in a fresh process (start-up and imports '
              f'included): {cli:.2f} s for {len(names)} images')
    print(f'numpy/scipy reference, decoding included: '
          f'{ref_per_image * 1e3:.0f} ms per image (median of '
          f'{len(ref_times)} images: '
          f'{", ".join(f"{t:.2f}" for t in ref_times)} s)')
    print(f'ratio: {ratio:.1f}x (median of the rounds: '
          f'{", ".join(f"{r:.1f}" for r in ratios)}); largest difference '
          f'of the values: {worst:.2e}')
    print(
        json.dumps(
            dict(
                ours_s_per_image=ours_per_image,
                reference_s_per_image=ref_per_image,
                ratio=ratio,
                round_ratios=ratios,
                cli_s=cli,
                max_abs_diff=worst)))


if __name__ == '__main__':
    main()
