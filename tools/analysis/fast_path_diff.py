"""Largest difference between the CPU fast paths and the plain forward.

Example::

    python tools/analysis/fast_path_diff.py configs/segmif_fmb.py \
        --shape 480 640 --threads 2

Builds the model with seeded random weights (pretrained ``init_cfg``
dropped), runs ``model(inputs, mode='tensor')`` on a seeded random input
``[1, 4, H, W]`` in [0, 1] with the fast paths on and off
(:func:`segmif_mm.models.utils.use_cpu_fast_paths`, the switch that
``SEGMIF_CPU_FAST_PATHS=0`` sets), and prints the largest absolute
difference of the fused RGB and of the logits.
"""
import argparse
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import Config

from segmif_mm.apis import add_shape_argument, init_model
from segmif_mm.models.utils import use_cpu_fast_paths


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='CPU fast paths against the plain forward')
    parser.add_argument('config', help='config file')
    add_shape_argument(parser)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=None)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = init_model(Config.fromfile(args.config))
    inputs = torch.rand(
        1, 4, *args.shape, generator=torch.Generator().manual_seed(args.seed))
    with torch.inference_mode():
        fast = model(inputs, mode='tensor')
        with use_cpu_fast_paths(False):
            plain = model(inputs, mode='tensor')
    diffs = {
        name: (a.float() - b.float()).abs().max().item()
        for name, a, b in zip(('fused_rgb', 'seg_logits'), fast, plain)
    }
    for name, diff in diffs.items():
        print(f'{name}: max |fast - plain| = {diff:.2e}')
    return diffs


if __name__ == '__main__':
    main()
