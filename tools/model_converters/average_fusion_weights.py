"""Average fusion-weight files tensor by tensor (a uniform model soup).

    python tools/model_converters/average_fusion_weights.py WEIGHTS \
        [WEIGHTS ...] --out OUT [--fp32] [--note KEY=VALUE ...]

Each WEIGHTS is a file of ``extract_fusion_weights.py`` (float16 or
float32). Averaging is only meaningful for runs fine-tuned from one start
(the same basin); the tool cannot see that, so it is the caller's to
know. It checks what it can: every file holds the same tensors with the
same shapes and records the same fusion function. Floating-point tensors
are averaged in float32 and stored as float16 unless ``--fp32``; other
tensors must be equal in every file. ``OUT`` is read like any other
fusion-weight file (``tools/fuse.py``, ``init_fusion_model``); its ``meta``
holds the first file's config, the fusion function, ``sources`` (each
file's name and its own meta, less the fusion function) and every
``--note``.
"""
import argparse
import os.path as osp
import pickle
from typing import Dict, List, Tuple

import torch

from segmif_mm.apis import add_notes, add_weight_file_arguments
from segmif_mm.models.utils import (fusion_function_differences,
                                    fusion_function_from_meta)
from segmif_mm.utils import write_atomically


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Average fusion-weight files of runs fine-tuned from '
        'one start')
    parser.add_argument(
        'weights',
        nargs='+',
        help='files written by extract_fusion_weights.py')
    parser.add_argument('--out', required=True, help='output file (.pth)')
    add_weight_file_arguments(parser)
    args = parser.parse_args()
    if len(args.weights) < 2:
        parser.error('give at least two weight files to average')
    return args


def load_fusion_file(path: str) -> Tuple[Dict[str, torch.Tensor], dict]:
    """The state dict and meta of a fusion-weight file, with the fusion
    function the file records as ``meta['fusion_function']``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: It is not a file of ``extract_fusion_weights.py`` (a
            training checkpoint, or no fusion function recorded).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist')
    try:
        loaded = torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        raise ValueError(
            f'{path} holds pickled objects besides tensors (a training '
            'checkpoint); extract its fusion weights with '
            'tools/model_converters/extract_fusion_weights.py first.') from err
    meta = loaded.get('meta') or {}
    recorded = fusion_function_from_meta(meta)
    if recorded is None:
        raise ValueError(
            f'{path} records no fusion function; average the files that '
            'tools/model_converters/extract_fusion_weights.py writes.')
    return loaded['state_dict'], dict(meta, fusion_function=recorded)


def average(paths: List[str]) -> Tuple[Dict[str, torch.Tensor], List[dict]]:
    """Mean of the files' tensors (float32) and each file's meta.

    Raises:
        ValueError: A file's tensors, shapes, integer tensors or fusion
            function differ from the first file's (named in the message).
    """
    first_state, first_meta = load_fusion_file(paths[0])
    sums = {
        key: value.float() if value.is_floating_point() else value
        for key, value in first_state.items()
    }
    metas = [first_meta]
    for path in paths[1:]:
        state, meta = load_fusion_file(path)
        differences = fusion_function_differences(
            meta['fusion_function'], first_meta['fusion_function'])
        if differences:
            listing = '\n  '.join(differences)
            raise ValueError(
                f'{path} records another fusion function than {paths[0]} '
                f'("checkpoint": {path}, "model": {paths[0]}):\n  {listing}\n'
                'Only weights of one network can be averaged.')
        if sorted(state) != sorted(sums):
            unmatched = sorted(set(state) ^ set(sums))
            raise ValueError(
                f'{path} and {paths[0]} hold different tensors, e.g. '
                f'{unmatched[:3]}; extract both with the same config.')
        for key, value in state.items():
            if value.shape != sums[key].shape:
                raise ValueError(
                    f'{key} has shape {tuple(value.shape)} in {path} and '
                    f'{tuple(sums[key].shape)} in {paths[0]}.')
            if value.is_floating_point():
                sums[key] += value.float()
            elif not torch.equal(value, sums[key]):
                raise ValueError(f'{key} differs between {path} and '
                                 f'{paths[0]}; it cannot be averaged.')
        metas.append(meta)
    mean = {
        key: value / len(paths) if value.is_floating_point() else value
        for key, value in sums.items()
    }
    return mean, metas


def main() -> None:
    args = parse_args()
    mean, metas = average(args.weights)
    if not args.fp32:
        mean = {
            key: value.half() if value.is_floating_point() else value
            for key, value in mean.items()
        }
    sources = [
        dict(
            file=path,
            **{
                key: value
                for key, value in meta.items() if key != 'fusion_function'
            }) for path, meta in zip(args.weights, metas)
    ]
    meta = add_notes(
        dict(
            config=metas[0].get('config'),
            dtype='float32' if args.fp32 else 'float16',
            fusion_function=metas[0]['fusion_function'],
            sources=sources), args.note)
    write_atomically(
        args.out,
        lambda path: torch.save(dict(state_dict=mean, meta=meta), path))
    size = osp.getsize(args.out) / 2**20
    print(f'mean of {len(args.weights)} files, {len(mean)} tensors, '
          f'{size:.2f} MiB written to {args.out}')


if __name__ == '__main__':
    main()
