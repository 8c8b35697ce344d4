"""Rank fusion methods on one set of pairs by the fusion-quality metrics.

    python tools/analysis/fusion_leaderboard.py --ir IR_DIR --vis VIS_DIR \
        SegMiF=work_dirs/fused U2Fusion=results/u2fusion ... \
        --out-dir leaderboard/ [--metrics EN SD SF SCD] [--no-baselines]

Every ``NAME=FUSED_DIR`` folder holds one fused image per pair, matched to
the sources by name as the datasets pair images
(:mod:`segmif_mm.datasets.file_pairing`: relative path without suffix);
every name must be in every folder. Four plain baselines are added: each
grey source alone (``infrared``, ``visible``), their pixel average and
their pixel maximum (``average``, ``maximum``). All images are compared as
8-bit grey images with the conventions of the MATLAB suite of the fusion
literature (see
``segmif_mm.evaluation.functional``). Writes ``leaderboard.txt`` (methods
ordered by mean rank; per metric the mean and, in brackets, the rank),
``leaderboard.json`` (means, ranks and per-image values) and
``leaderboard.png`` (a bar chart per metric with the spread over images,
the best mean of each metric starred).
"""
import argparse
import os.path as osp
from typing import Dict, List

import cv2
import mmengine
import numpy as np
import torch
from mmengine.utils import ProgressBar

from segmif_mm.datasets import match_by_name
from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.evaluation import fusion_leaderboard as board
from segmif_mm.evaluation.functional import (GRADIENT_RETENTION_METRICS,
                                             fusion_metrics,
                                             gradient_retention, rgb_to_gray)
from segmif_mm.utils import atomic_backend_args


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Rank fused-image folders (and the infrared, visible, '
        'average and maximum baselines) by the fusion-quality metrics')
    parser.add_argument('--ir', required=True, help='infrared image folder')
    parser.add_argument('--vis', required=True, help='visible image folder')
    parser.add_argument(
        'methods',
        nargs='*',
        metavar='NAME=FUSED_DIR',
        help='a method and its folder of fused images')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--metrics',
        nargs='+',
        default=list(board.DEFAULT_METRICS),
        choices=list(board.DEFAULT_METRICS) + ['PSNR_textbook'] +
        list(GRADIENT_RETENTION_METRICS),
        help='metrics to rank by (default: the twelve of the MATLAB suite; '
        'GR_ir and GR_vis are the share of each source\'s gradient the '
        'fused image keeps)')
    parser.add_argument(
        '--no-baselines',
        action='store_true',
        help='do not add the baselines (each source alone, the pixel '
        'average and maximum)')
    args = parser.parse_args()
    methods: Dict[str, str] = {}
    for item in args.methods:
        name, sep, folder = item.partition('=')
        if not sep or not name or not folder:
            parser.error(f'methods are given as NAME=FUSED_DIR, got {item!r}')
        if name in methods or (name in board.BASELINES
                               and not args.no_baselines):
            parser.error(f'method name {name!r} is used twice ('
                         f'{", ".join(board.BASELINES)} are the baselines)')
        methods[name] = folder
    if not methods and args.no_baselines:
        parser.error('nothing to rank: give NAME=FUSED_DIR folders')
    args.methods = methods
    return args


def read_grey(path: str) -> torch.Tensor:
    """An 8-bit fused image as uint8 grey ``[H, W]`` (MATLAB rgb2gray)."""
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise OSError(f'{path} cannot be decoded as an image.')
    if image.dtype != np.uint8:
        raise TypeError(f'{path} is {image.dtype}; fused images are compared '
                        'as 8-bit images.')
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        return torch.from_numpy(image)
    if image.shape[2] != 3:
        raise ValueError(f'{path} has {image.shape[2]} channels; expected 1 '
                         'or 3.')
    rgb = np.ascontiguousarray(image[..., ::-1]).transpose(2, 0, 1)
    return rgb_to_gray(torch.from_numpy(np.ascontiguousarray(rgb)))


def main() -> None:
    args = parse_args()
    matching = match_by_name({
        '--ir': args.ir,
        '--vis': args.vis,
        **args.methods
    })
    if matching.problems:
        raise ValueError(
            f'{len(matching.problems)} names are not in every folder, e.g. '
            f'{matching.problems[:3]}; fused images are matched to the '
            'sources by name.')
    names = [name for name, _ in matching.matched]
    paths = dict(matching.matched)
    methods: List[str] = list(args.methods) + \
        ([] if args.no_baselines else list(board.BASELINES))
    per_image = {m: {k: [] for k in args.metrics} for m in methods}
    loader = LoadMultiModalImages()
    progress = ProgressBar(len(names))
    for name in names:
        sources = loader(
            dict(img_path=paths[name]['--vis'], ir_path=paths[name]['--ir']))
        ir = torch.from_numpy(sources['ir'])
        vis = rgb_to_gray(
            torch.from_numpy(sources['img']).permute(2, 0, 1).contiguous())
        fused = {m: read_grey(paths[name][m]) for m in args.methods}
        if not args.no_baselines:
            fused.update(board.baseline_fusions(ir, vis))
        for method, image in fused.items():
            if image.shape != ir.shape:
                raise ValueError(
                    f'{method}: the fused image of {name} is '
                    f'{tuple(image.shape)} (HxW), the sources are '
                    f'{tuple(ir.shape)}.')
            values = fusion_metrics(image, ir, vis)
            values.update(gradient_retention(image, ir, vis))
            for metric in args.metrics:
                per_image[method][metric].append(float(values[metric]))
        progress.update()
    means = {
        m: {
            k: float(np.mean(v))
            for k, v in per_image[m].items()
        }
        for m in methods
    }
    rows = board.leaderboard(means, args.metrics)
    table = board.leaderboard_table(rows, len(names)).get_string()
    print('\n' + table)
    text_file = osp.join(args.out_dir, 'leaderboard.txt')
    mmengine.put_text(
        table + '\n', text_file, backend_args=atomic_backend_args(text_file))
    json_file = osp.join(args.out_dir, 'leaderboard.json')
    mmengine.dump(
        dict(
            num_images=len(names),
            images=names,
            leaderboard=rows,
            per_image=per_image),
        json_file,
        backend_args=atomic_backend_args(json_file),
        indent=1)
    board.plot_leaderboard(rows, per_image,
                           osp.join(args.out_dir, 'leaderboard.png'))
    print(f'leaderboard.txt, leaderboard.json and leaderboard.png written to '
          f'{args.out_dir}')


if __name__ == '__main__':
    main()
