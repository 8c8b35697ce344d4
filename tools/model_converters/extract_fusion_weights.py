"""Keep only the weights a SegMiF needs to fuse, as a small tensor file.

    python tools/model_converters/extract_fusion_weights.py CONFIG CKPT OUT \
        [--fp32] [--note KEY=VALUE ...]

Loads the training checkpoint CKPT into the model of CONFIG and writes
``OUT`` with ``state_dict`` = the fusion head and the backbone stages that
give its guidance (``segmif_mm.apis.fusion_state_keys``), float16 unless
``--fp32``, and ``meta`` = the config file, the source checkpoint's
iteration, the options that decide the fused image
(``fusion_function``, checked wherever the file is loaded) and every
``--note`` (provenance: command, data, metrics...). The
file holds tensors and plain values only, so ``torch.load(...,
weights_only=True)`` reads it; ``tools/fuse.py`` and
``segmif_mm.apis.init_fusion_model`` load it.
"""
import argparse
import os.path as osp

import torch

from segmif_mm.apis import (add_notes, add_weight_file_arguments,
                            extract_fusion_weights, init_model)
from segmif_mm.models.utils import fusion_function
from segmif_mm.utils import write_atomically


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Extract the fusion weights of a SegMiF checkpoint')
    parser.add_argument(
        'config', help='config the checkpoint was trained '
        'with')
    parser.add_argument('checkpoint', help='training checkpoint (trusted)')
    parser.add_argument('out', help='output file (.pth)')
    add_weight_file_arguments(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    model = init_model(args.config, args.checkpoint, trust_checkpoint=True)
    source = torch.load(
        args.checkpoint, map_location='cpu', weights_only=False)
    weights = extract_fusion_weights(model, half=not args.fp32)
    meta = add_notes(
        dict(
            config=osp.relpath(args.config),
            source_checkpoint=osp.basename(args.checkpoint),
            iteration=int(source.get('meta', {}).get('iter', -1)),
            dtype='float32' if args.fp32 else 'float16',
            fusion_function=fusion_function(model.cfg.model)), args.note)
    write_atomically(
        args.out,
        lambda path: torch.save(dict(state_dict=weights, meta=meta), path))
    size = osp.getsize(args.out) / 2**20
    print(f'{len(weights)} tensors, {size:.2f} MiB written to {args.out}')


if __name__ == '__main__':
    main()
