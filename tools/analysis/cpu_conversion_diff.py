"""Parity of the CPU inference conversion with the plain model.

Example::

    python tools/analysis/cpu_conversion_diff.py configs/segmif_fmb.py \
        --shape 480 640 --threads 2

Builds the model with seeded random weights (pretrained ``init_cfg``
dropped), or loads ``--checkpoint``, runs ``model(inputs, mode='tensor')``
on a seeded random input ``[1, 4, H, W]`` in [0, 1] before and after
:func:`segmif_mm.deploy.convert_for_cpu_inference`, and prints the largest
absolute difference of the fused RGB (also in 8-bit grey levels) and of the
logits, and the fraction of pixels whose segmentation label is the same.
"""
import argparse
from typing import Dict, Optional, Sequence

import torch
from mmengine.config import Config

from segmif_mm.apis import add_shape_argument, init_model
from segmif_mm.deploy import convert_for_cpu_inference


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='The CPU inference conversion against the plain model')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--checkpoint', help='weights (default: seeded random weights)')
    add_shape_argument(parser)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=None)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, float]:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = init_model(
        Config.fromfile(args.config), args.checkpoint, trust_checkpoint=True)
    inputs = torch.rand(
        1, 4, *args.shape, generator=torch.Generator().manual_seed(args.seed))
    with torch.inference_mode():
        plain = model(inputs, mode='tensor')
        converted = convert_for_cpu_inference(model)(inputs, mode='tensor')
    fused = (converted[0].float() - plain[0].float()).abs().max().item()
    diffs = dict(
        fused_rgb=fused,
        fused_grey_levels=fused * 255,
        seg_logits=(converted[1].float() -
                    plain[1].float()).abs().max().item(),
        label_agreement=(converted[1].argmax(1) == plain[1].argmax(1)
                         ).float().mean().item())
    print(f'fused_rgb: max |converted - plain| = {diffs["fused_rgb"]:.2e} '
          f'({diffs["fused_grey_levels"]:.2e} grey levels)\n'
          f'seg_logits: max |converted - plain| = {diffs["seg_logits"]:.2e}'
          f'\nlabels: {diffs["label_agreement"]:.6f} of the pixels equal')
    return diffs


if __name__ == '__main__':
    main()
