"""Error of bfloat16 autocast against fp32 on real infrared/visible pairs.

Example::

    python tools/analysis/bf16_error.py \
        --set msrs=../shared/data/real/msrs_objects \
        --set roadscene=../shared/data/real/roadscene --limit 8 \
        --threads 2 --json work_dirs/bf16_error.json

Each ``--set NAME=FOLDER`` holds ``ir/`` and ``vi/`` images matched by
name; ``--limit`` pairs per set are taken evenly spaced over the sorted
names. Every pair runs at its own size, once in fp32 and once under
``torch.autocast('cpu', dtype=torch.bfloat16)``, through models converted
for CPU inference (:func:`segmif_mm.deploy.convert_for_cpu_inference`):

* **fused image**: ``model.fuse`` of the fusion network with the shipped
  weights (:func:`segmif_mm.apis.init_fusion_model`, or
  ``--fusion-config``/``--fusion-checkpoint``). Reported per set over all
  pixels and channels of the fused RGB: mean, 99.9th percentile and maximum
  of ``|bf16 - fp32|`` in 8-bit grey levels, both of the 8-bit images as
  saved (``to_uint8``) and of the float outputs times 255.
* **segmentation**: the fraction of pixels whose argmax label is the same,
  from the full pipeline of ``--seg-config`` (default
  ``configs/segmif_fmb.py``, MiT-B3) with **random weights** seeded with
  ``--seed`` (no trained segmentation weights ship with the project), so it
  measures how often bf16 rounding flips a decision of an untrained
  network, not a trained one's.

The summary's worst-set 8-bit p99.9 is the figure docs/benchmarks.md
quotes for the tools' ``--precision bf16``.
"""
import argparse
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import mmengine
import numpy as np
import torch
from mmengine.config import Config

from segmif_mm.apis import init_fusion_model, init_model
from segmif_mm.datasets import match_by_name
from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.deploy import convert_for_cpu_inference, cpu_bf16_support
from segmif_mm.utils import atomic_backend_args, find_resource, to_uint8


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='bf16 autocast against fp32 on real pairs')
    parser.add_argument(
        '--set',
        action='append',
        required=True,
        metavar='NAME=FOLDER',
        help='an image set: FOLDER holds ir/ and vi/ (repeatable)')
    parser.add_argument(
        '--limit',
        type=int,
        default=8,
        help='pairs per set, evenly spaced over the sorted names')
    parser.add_argument(
        '--fusion-config',
        help='fusion config (default: the shipped fusion network)')
    parser.add_argument(
        '--fusion-checkpoint',
        help='fusion weights (default: the shipped ones)')
    parser.add_argument(
        '--seg-config',
        default=str(find_resource('configs/segmif_fmb.py')),
        help='config of the segmentation agreement model (random weights)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--json', help='also write the results as JSON')
    args = parser.parse_args(argv)
    if any('=' not in s for s in args.set):
        parser.error('--set takes NAME=FOLDER.')
    return args


def difference_stats(fp32: torch.Tensor, bf16: torch.Tensor) -> dict:
    """Absolute differences of two fused images in 8-bit grey levels.

    Args:
        fp32 (Tensor): Fused images ``[..., H, W]`` in [0, 1] (any float
            dtype), computed in float32.
        bf16 (Tensor): The same under bf16 autocast, same shape.

    Returns:
        dict: ``uint8`` and ``float``: the absolute differences (1-D
        float64 numpy arrays, one value per pixel and channel) of the 8-bit
        quantised images and of the float images times 255.
    """
    fp32, bf16 = fp32.float(), bf16.float()
    quantised = (to_uint8(bf16).double() - to_uint8(fp32).double()).abs()
    scaled = (bf16.double() - fp32.double()).abs() * 255
    return dict(
        uint8=quantised.flatten().numpy(), float=scaled.flatten().numpy())


def summarise(diffs: List[np.ndarray]) -> Dict[str, float]:
    """Mean, 99.9th percentile and maximum of concatenated differences."""
    values = np.concatenate(diffs)
    return dict(
        mean=float(values.mean()),
        p999=float(np.percentile(values, 99.9)),
        max=float(values.max()))


def label_agreement(fp32_logits: torch.Tensor,
                    bf16_logits: torch.Tensor) -> Tuple[int, int]:
    """Pixels with equal argmax labels, and all pixels.

    Args:
        fp32_logits (Tensor): Logits ``[B, K, H, W]`` in float32.
        bf16_logits (Tensor): The same under bf16 autocast.

    Returns:
        tuple[int, int]: ``(equal, total)``.
    """
    equal = fp32_logits.argmax(1) == bf16_logits.float().argmax(1)
    return int(equal.sum()), equal.numel()


def both_precisions(
        fn: Callable[[], torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
    """``fn()`` in float32 and under CPU bf16 autocast (inference mode)."""
    with torch.inference_mode():
        fp32 = fn()
        with torch.autocast('cpu', dtype=torch.bfloat16):
            bf16 = fn()
    return fp32, bf16


def load_pair(paths: Dict[str, str]) -> torch.Tensor:
    """One pair as the model input ``[1, 4, H, W]`` (R, G, B, IR) in [0,
    1]."""
    results = LoadMultiModalImages()(
        dict(img_path=paths['vis'], ir_path=paths['ir']))
    image = np.concatenate([results['img'], results['ir'][..., None]], 2)
    return torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255


def evenly_spaced(items: list, limit: int) -> list:
    """``limit`` items spread evenly over ``items`` (all if fewer)."""
    if len(items) <= limit:
        return items
    return [items[int(i)] for i in np.linspace(0, len(items) - 1, limit)]


def evaluate_set(folder: str, limit: int, fusion_model: torch.nn.Module,
                 seg_model: torch.nn.Module) -> dict:
    """bf16 against fp32 on one image set (``folder/ir``, ``folder/vi``)."""
    matching = match_by_name(
        dict(ir=osp.join(folder, 'ir'), vis=osp.join(folder, 'vi')))
    pairs = evenly_spaced(matching.matched, limit)
    if not pairs:
        raise ValueError(f'No infrared/visible pairs in {folder}.')
    quantised, scaled, equal, total = [], [], 0, 0
    for name, paths in pairs:
        inputs = load_pair(paths)
        fused = both_precisions(lambda: fusion_model.fuse(inputs)[1])
        diffs = difference_stats(*fused)
        quantised.append(diffs['uint8'])
        scaled.append(diffs['float'])
        logits = both_precisions(lambda: seg_model(inputs, mode='tensor')[1])
        same, pixels = label_agreement(*logits)
        equal, total = equal + same, total + pixels
        print(
            f'  {name} {inputs.shape[3]}x{inputs.shape[2]}: 8-bit max '
            f'{diffs["uint8"].max():.0f}, labels equal '
            f'{same / pixels:.6f}',
            flush=True)
    return dict(
        pairs=[name for name, _ in pairs],
        fused_uint8=summarise(quantised),
        fused_float=summarise(scaled),
        label_agreement=equal / total)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    fusion_model = convert_for_cpu_inference(
        init_fusion_model(args.fusion_config, args.fusion_checkpoint))
    torch.manual_seed(args.seed)
    seg_model = convert_for_cpu_inference(
        init_model(Config.fromfile(args.seg_config)))
    sets = {}
    for spec in args.set:
        name, folder = spec.split('=', 1)
        print(f'{name} ({folder})', flush=True)
        sets[name] = evaluate_set(folder, args.limit, fusion_model, seg_model)
    print('| set | pairs | fused 8-bit mean | p99.9 | max | fused float '
          'mean | p99.9 | max | label agreement |')
    print('|---|---|---|---|---|---|---|---|---|')
    for name, result in sets.items():
        q, f = result['fused_uint8'], result['fused_float']
        print(f'| {name} | {len(result["pairs"])} | {q["mean"]:.4f} | '
              f'{q["p999"]:.2f} | {q["max"]:.0f} | {f["mean"]:.4f} | '
              f'{f["p999"]:.2f} | {f["max"]:.2f} | '
              f'{result["label_agreement"]:.6f} |')
    worst = max(r['fused_uint8']['p999'] for r in sets.values())
    print(f'worst-set p99.9 of the 8-bit fused images: {worst:.2f} grey '
          f'levels; CPU bf16 support {cpu_bf16_support()}')
    report = dict(
        sets=sets,
        worst_p999_grey=worst,
        seg_config=args.seg_config,
        seg_weights=f'random, seed {args.seed}',
        fusion_weights=args.fusion_checkpoint or 'shipped',
        threads=torch.get_num_threads(),
        cpu_bf16_support=cpu_bf16_support(),
        torch=torch.__version__)
    if args.json:
        mmengine.dump(
            report,
            args.json,
            backend_args=atomic_backend_args(args.json),
            indent=2)
        print(f'Results written to {args.json}')
    return report


if __name__ == '__main__':
    main()
