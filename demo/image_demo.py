"""Fuse (and segment) one infrared/visible pair and save the labelled
``visible | infrared | fused | segmentation`` panel.

    # the shipped fusion model
    python demo/image_demo.py IR VIS --out-file panel.png
    # a model of the model index, or a config with its checkpoint
    python demo/image_demo.py IR VIS --model NAME_OR_CONFIG \
        [--weights CHECKPOINT] [--device cuda:0] [--opacity 0.5] [--show]

A model without a trained segmentation branch (the shipped fusion weights)
draws ``visible | infrared | fused``.
"""
from argparse import ArgumentParser

import mmcv

from segmif_mm.apis import SegMiFInferencer, add_model_arguments
from segmif_mm.utils import atomic_backend_args


def main() -> None:
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ir', help='infrared image file')
    parser.add_argument('vis', help='visible image file')
    add_model_arguments(parser)
    parser.add_argument(
        '--out-file', default='panel.png', help='panel file to write')
    parser.add_argument(
        '--opacity',
        type=float,
        default=0.8,
        help='opacity of the segmentation colours, in (0, 1]')
    parser.add_argument(
        '--show', action='store_true', help='show the panel in a window')
    args = parser.parse_args()

    inferencer = SegMiFInferencer(
        args.model, args.weights, args.device, show_progress=False)
    result = inferencer(
        dict(ir=args.ir, vis=args.vis),
        return_vis=True,
        show=args.show,
        opacity=args.opacity)
    mmcv.imwrite(
        mmcv.rgb2bgr(result['visualization']),
        args.out_file,
        backend_args=atomic_backend_args(args.out_file))
    print(f'Panel written to {args.out_file}')


if __name__ == '__main__':
    main()
