"""Turn a training checkpoint into a file to publish.

    python tools/misc/publish_model.py work_dirs/segmif/iter_120000.pth \
        segmif_mit-b3_fmb.pth
    # -> segmif_mit-b3_fmb-1a2b3c4d.pth

As MMSegmentation's ``publish_model.py``: the training state is dropped
(``optimizer`` with every task's optimizer state, ``param_schedulers``,
``message_hub``), the weights and ``meta`` (config, dataset classes and
palette, task weights ...) are kept, numpy values in ``meta`` become plain
Python values, and the first 8 hex digits of the file's SHA-256 are added
to its name. Files without training state (e.g. the fusion weights of
``tools/model_converters/extract_fusion_weights.py``) are rewritten as they
are and renamed. The input is unpickled in full: only for files you trust.
"""
import argparse
import hashlib
import os
import os.path as osp
from typing import Any

import numpy as np
import torch

from segmif_mm.utils import load_trusted_checkpoint, write_atomically

#: Keys of an mmengine checkpoint that only resuming needs.
TRAINING_STATE = ('optimizer', 'param_schedulers', 'message_hub')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Drop the training state of a checkpoint and add its '
        'SHA-256 prefix to the name')
    parser.add_argument('in_file', help='input checkpoint (trusted)')
    parser.add_argument('out_file', help='output file name (.pth)')
    return parser.parse_args()


def plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays (recursively, in dicts,
    lists and tuples) turned into Python numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    return value


def publish(in_file: str, out_file: str) -> str:
    """Write the published checkpoint.

    Args:
        in_file (str): Training checkpoint.
        out_file (str): Output path; ``-<sha256[:8]>`` is added before its
            suffix.

    Returns:
        str: The path written.
    """
    checkpoint = load_trusted_checkpoint(in_file, map_location='cpu')
    if not isinstance(checkpoint, dict):
        raise TypeError(f'{in_file} holds a {type(checkpoint).__name__}, '
                        'not a checkpoint dict.')
    for key in TRAINING_STATE:
        checkpoint.pop(key, None)
    if 'meta' in checkpoint:
        checkpoint['meta'] = plain(checkpoint['meta'])
    write_atomically(out_file, lambda tmp: torch.save(checkpoint, tmp))
    with open(out_file, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    stem, suffix = osp.splitext(out_file)
    final_file = f'{stem}-{digest[:8]}{suffix or ".pth"}'
    os.replace(out_file, final_file)
    return final_file


def main() -> None:
    args = parse_args()
    final_file = publish(args.in_file, args.out_file)
    dropped = ', '.join(TRAINING_STATE)
    print(f'{final_file} written (without {dropped}).')


if __name__ == '__main__':
    main()
