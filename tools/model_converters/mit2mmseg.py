"""Convert an original NVlabs SegFormer/MiT checkpoint to MMSegmentation keys.

The ImageNet-pretrained ``mit_b0.pth`` ... ``mit_b5.pth`` released with
SegFormer (https://github.com/NVlabs/SegFormer) use the key names of NVlabs'
``mix_transformer.py``; MMSegmentation's ``MixVisionTransformer`` uses other
names and fuses the query and key/value projections into one
``nn.MultiheadAttention``. Key mapping (stage ``s`` = 1..4, block ``j``)::

    patch_embed{s}.proj.*       -> layers.{s-1}.0.projection.*
    patch_embed{s}.norm.*       -> layers.{s-1}.0.norm.*
    block{s}.{j}.norm1/norm2.*  -> layers.{s-1}.1.{j}.norm1/norm2.*
    block{s}.{j}.attn.q.* and
    block{s}.{j}.attn.kv.*      -> layers.{s-1}.1.{j}.attn.attn.in_proj_*
                                   (concatenated along dim 0: q, k, v)
    block{s}.{j}.attn.proj.*    -> layers.{s-1}.1.{j}.attn.attn.out_proj.*
    block{s}.{j}.attn.sr/norm.* -> layers.{s-1}.1.{j}.attn.sr/norm.*
    block{s}.{j}.mlp.fc1.*      -> layers.{s-1}.1.{j}.ffn.layers.0.*
    block{s}.{j}.mlp.dwconv.dwconv.*
                                -> layers.{s-1}.1.{j}.ffn.layers.1.*
    block{s}.{j}.mlp.fc2.*      -> layers.{s-1}.1.{j}.ffn.layers.4.*
    norm{s}.*                   -> layers.{s-1}.2.*
    head.*                      dropped (ImageNet classifier)

The ``fc1``/``fc2`` Linear weights ``[out, in]`` become 1x1 convolution
weights ``[out, in, 1, 1]``.

A checkpoint may hold the weights at the top level or under ``state_dict`` or
``model``; a ``module.`` (DDP) prefix is removed. For an NVlabs SegFormer
segmentation checkpoint (``backbone.*`` and ``decode_head.*`` keys) only the
``backbone.*`` weights are converted; the decode head is dropped.

The result is a plain state dict, loadable by
``init_cfg=dict(type='Pretrained', checkpoint=DST)`` of
``MixVisionTransformer``.

Usage:
    python tools/model_converters/mit2mmseg.py mit_b3.pth mit_b3_mmseg.pth
"""
import argparse
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Dict

import torch

from segmif_mm.utils import write_atomically

PATCH_EMBED = re.compile(r'patch_embed(\d+)\.(proj|norm)\.(weight|bias)')
BLOCK = re.compile(r'block(\d+)\.(\d+)\.(.+)')
STAGE_NORM = re.compile(r'norm(\d+)\.(weight|bias)')
HEAD = re.compile(r'head\.(weight|bias)')
# Parameters of one transformer block, NVlabs name -> MMSegmentation name.
BLOCK_PARAMS = {
    'norm1': 'norm1',
    'norm2': 'norm2',
    'attn.proj': 'attn.attn.out_proj',
    'attn.sr': 'attn.sr',
    'attn.norm': 'attn.norm',
    'mlp.fc1': 'ffn.layers.0',
    'mlp.dwconv.dwconv': 'ffn.layers.1',
    'mlp.fc2': 'ffn.layers.4',
}
LINEAR_TO_CONV = ('mlp.fc1', 'mlp.fc2')
StateDict = Dict[str, torch.Tensor]


class MiTConversionError(ValueError):
    """The checkpoint does not have the NVlabs MiT key layout."""


def _stage(index: str, key: str) -> int:
    """0-based MMSegmentation stage of a 1-based NVlabs stage number."""
    stage = int(index)
    if stage < 1:
        raise MiTConversionError(
            f'Key {key!r}: NVlabs stages are numbered from 1, got {stage}.')
    return stage - 1


def _convert_block_param(stage: int, block: str, name: str,
                         value: torch.Tensor, state_dict: StateDict,
                         key: str) -> StateDict:
    """Convert one ``block{s}.{j}.<name>`` parameter; ``{}`` if skipped."""
    prefix = f'layers.{stage}.1.{block}.'
    module, _, param = name.rpartition('.')
    if param not in ('weight', 'bias'):
        raise MiTConversionError(f'Unexpected parameter in key {key!r}.')
    if module == 'attn.kv':
        q_key = key.replace('attn.kv.', 'attn.q.')
        if q_key not in state_dict:
            raise MiTConversionError(
                f'Key {key!r} has no matching {q_key!r}: the query and '
                f'key/value projections must both be present.')
        return {}
    if module == 'attn.q':
        kv_key = key.replace('attn.q.', 'attn.kv.')
        if kv_key not in state_dict:
            raise MiTConversionError(
                f'Key {key!r} has no matching {kv_key!r}: the query and '
                f'key/value projections must both be present.')
        kv = state_dict[kv_key]
        rows, cols = value.shape[0], value.shape[1:]
        if kv.shape[0] != 2 * rows or kv.shape[1:] != cols:
            raise MiTConversionError(
                f'{kv_key!r} has shape {tuple(kv.shape)}, expected twice the '
                f'rows of {key!r} {tuple(value.shape)}.')
        in_proj = torch.cat([value, kv], dim=0)
        return {f'{prefix}attn.attn.in_proj_{param}': in_proj}
    if module not in BLOCK_PARAMS:
        raise MiTConversionError(f'Unexpected block parameter in key {key!r}.')
    if module in LINEAR_TO_CONV and param == 'weight':
        if value.dim() != 2:
            raise MiTConversionError(
                f'{key!r} should be a Linear weight (2-D), got shape '
                f'{tuple(value.shape)}.')
        value = value.reshape(*value.shape, 1, 1)
    return {f'{prefix}{BLOCK_PARAMS[module]}.{param}': value}


def _strip_wrappers(state_dict: StateDict) -> StateDict:
    """Remove a DDP ``module.`` prefix and keep only ``backbone.*`` weights
    of a segmentation checkpoint."""
    if state_dict and all(k.startswith('module.') for k in state_dict):
        state_dict = {k[len('module.'):]: v for k, v in state_dict.items()}
    if any(k.startswith('backbone.') for k in state_dict):
        state_dict = {
            k[len('backbone.'):]: v
            for k, v in state_dict.items() if k.startswith('backbone.')
        }
    return state_dict


def convert_mit(state_dict: StateDict) -> 'OrderedDict[str, torch.Tensor]':
    """Rename NVlabs MiT weights to ``MixVisionTransformer`` keys.

    Args:
        state_dict (dict[str, Tensor]): NVlabs MiT weights (see the module
            docstring for the accepted layouts).

    Returns:
        OrderedDict[str, Tensor]: Weights with MMSegmentation's key names;
        the classifier ``head.*`` is dropped.

    Raises:
        MiTConversionError: If a key does not belong to the NVlabs MiT
            layout, a query has no key/value partner (or the reverse), or
            the checkpoint is already in MMSegmentation's layout.
    """
    state_dict = _strip_wrappers(state_dict)
    if any(k.startswith('layers.') for k in state_dict):
        raise MiTConversionError(
            'The checkpoint already has MMSegmentation MiT keys '
            '(`layers.*`); load it directly, it needs no conversion.')
    converted = OrderedDict()
    unexpected = []
    for key, value in state_dict.items():
        if HEAD.fullmatch(key):
            continue
        match = PATCH_EMBED.fullmatch(key)
        if match:
            stage = _stage(match.group(1), key)
            module = 'projection' if match.group(2) == 'proj' else 'norm'
            converted[f'layers.{stage}.0.{module}.{match.group(3)}'] = value
            continue
        match = STAGE_NORM.fullmatch(key)
        if match:
            stage = _stage(match.group(1), key)
            converted[f'layers.{stage}.2.{match.group(2)}'] = value
            continue
        match = BLOCK.fullmatch(key)
        if match:
            stage = _stage(match.group(1), key)
            converted.update(
                _convert_block_param(stage, match.group(2), match.group(3),
                                     value, state_dict, key))
            continue
        unexpected.append(key)
    if unexpected:
        raise MiTConversionError(
            f'{len(unexpected)} keys do not belong to an NVlabs MiT '
            f'checkpoint, e.g. {unexpected[:5]}. Expected keys like '
            f"'patch_embed1.proj.weight', 'block1.0.attn.q.weight', "
            f"'norm1.weight'.")
    if not converted:
        raise MiTConversionError('The checkpoint holds no MiT weights.')
    return converted


def load_state_dict(path: str, trusted: bool = False) -> StateDict:
    """Read the weights of a checkpoint file.

    Args:
        path (str): Checkpoint path.
        trusted (bool): Unpickle arbitrary objects (only for files you
            trust). Defaults to False (``torch.load(weights_only=True)``).

    Returns:
        dict[str, Tensor]: The weights, unwrapped from ``state_dict`` or
        ``model`` if present.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Checkpoint {path} does not exist.')
    try:
        checkpoint = torch.load(
            path, map_location='cpu', weights_only=not trusted)
    except pickle.UnpicklingError as error:
        raise MiTConversionError(
            f'{path} holds Python objects besides tensors and cannot be read '
            f'safely ({error}). If you trust the file, rerun with '
            f'--trusted.') from error
    if not isinstance(checkpoint, dict):
        raise MiTConversionError(
            f'{path} holds a {type(checkpoint).__name__}, expected a dict '
            f'of weights.')
    for wrapper in ('state_dict', 'model'):
        if isinstance(checkpoint.get(wrapper), dict):
            return checkpoint[wrapper]
    return checkpoint


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an original NVlabs SegFormer/MiT checkpoint to '
        'the key layout of MMSegmentation\'s MixVisionTransformer.')
    parser.add_argument('src', help='NVlabs checkpoint, e.g. mit_b3.pth')
    parser.add_argument('dst', help='path of the converted checkpoint')
    parser.add_argument(
        '--trusted',
        action='store_true',
        help='allow arbitrary pickled objects in SRC (trusted files only)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        state_dict = load_state_dict(args.src, args.trusted)
    except (FileNotFoundError, MiTConversionError) as error:
        raise SystemExit(f'mit2mmseg: {error}')
    try:
        converted = convert_mit(state_dict)
    except MiTConversionError as error:
        raise SystemExit(f'mit2mmseg: cannot convert {args.src}: {error}')
    write_atomically(args.dst, lambda tmp: torch.save(converted, tmp))
    print(f'Converted {len(converted)} tensors from {args.src} to {args.dst}')


if __name__ == '__main__':
    main()
