"""What a fusion loss asks for: its minimiser over the fused image's pixels.

    python tools/analysis/fusion_loss_optimum.py CONFIG --ir IR_DIR \
        --vis VIS_DIR --out-dir DIR [--steps 80] [--lr 0.05] \
        [--cfg-options model.fusion_loss.eta=30 ...]

A trained network's output is limited by its capacity and training; the
loss itself states what it asks for. For each pair (folders matched by file
name without suffix) this minimises the config's fusion loss
(``model.fusion_loss``, e.g. ``L_SSIM + w L_MSE + eta L_grad`` with its VSM
rule) directly over the fused luminance ``u = sigmoid(z)``, with Adam from
the average of the two sources, on the whole image (so the VSM saliency is
the whole image's, as in training with ``GenerateSaliencyMaps``), and
writes ``DIR/<name>.png``: the optimum's luminance with the visible image's
chroma, as the model writes its fused images. Score the folders with
``tools/analysis/fusion_leaderboard.py`` to compare loss options.
"""
import argparse
import os.path as osp
import sys

import mmcv
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from mmseg.registry import MODELS
from segmif_mm.apis import BatchReport, collect_pairs
from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.models.utils import rgb_to_ycbcr, ycbcr_to_rgb
from segmif_mm.utils import atomic_backend_args, to_uint8


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Minimise a config\'s fusion loss over the pixels of '
        'each pair and save the optima')
    parser.add_argument('config', help='config whose model.fusion_loss to use')
    parser.add_argument('--ir', required=True, help='infrared image folder')
    parser.add_argument('--vis', required=True, help='visible image folder')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--steps', type=int, default=80, help='Adam steps (default 80)')
    parser.add_argument(
        '--lr',
        type=float,
        default=0.05,
        help='Adam step size on the '
        'logits (default 0.05)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. model.fusion_loss.eta=30')
    args = parser.parse_args()
    if args.steps < 1 or args.lr <= 0:
        parser.error('--steps must be >= 1 and --lr > 0')
    return args


def loss_optimum(fusion_loss: torch.nn.Module, vis_y: torch.Tensor,
                 ir: torch.Tensor, steps: int, lr: float) -> torch.Tensor:
    """Minimise ``fusion_loss(u, vis_y, ir)`` over ``u = sigmoid(z)``.

    Args:
        fusion_loss (nn.Module): Returns a dict of loss terms.
        vis_y (Tensor): Visible luminance ``[1, 1, H, W]`` in [0, 1].
        ir (Tensor): Infrared image ``[1, 1, H, W]`` in [0, 1].
        steps (int): Adam steps.
        lr (float): Adam step size.

    Returns:
        Tensor: The optimum ``[1, 1, H, W]`` in [0, 1].
    """
    start = ((vis_y + ir) / 2).clamp(1e-3, 1 - 1e-3)
    logits = torch.logit(start).requires_grad_()
    optimizer = torch.optim.Adam([logits], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = sum(fusion_loss(torch.sigmoid(logits), vis_y, ir).values())
        loss.backward()
        optimizer.step()
    return torch.sigmoid(logits.detach())


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    fusion_loss = MODELS.build(cfg.model.fusion_loss)
    loader = LoadMultiModalImages()
    matching = collect_pairs(args.ir, args.vis)
    report = BatchReport('pairs')
    report.add_problems(matching.problems)
    progress = ProgressBar(len(matching.matched))
    for name, paths in matching.matched:
        with report.attempt(name):
            pair = loader(dict(img_path=paths['vis'], ir_path=paths['ir']))
            rgb = torch.from_numpy(pair['img']).permute(2, 0,
                                                        1)[None].float() / 255
            ir = torch.from_numpy(pair['ir'])[None, None].float() / 255
            vis_y, vis_cb, vis_cr = rgb_to_ycbcr(rgb)
            fused_y = loss_optimum(fusion_loss, vis_y, ir, args.steps, args.lr)
            fused = to_uint8(ycbcr_to_rgb(fused_y, vis_cb, vis_cr)[0])
            out_path = osp.join(args.out_dir, f'{name}.png')
            mmcv.imwrite(
                fused.permute(1, 2, 0).flip(-1).contiguous().numpy(),
                out_path,
                backend_args=atomic_backend_args(out_path))
        progress.update()
    print('\n' + report.summary())
    if report.exit_code:
        sys.exit(report.exit_code)


if __name__ == '__main__':
    main()
