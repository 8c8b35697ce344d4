"""Inflate the RGB input layer of a checkpoint to C input channels.

For early fusion (R, G, B, IR inputs, ``in_channels=4``) an ImageNet
checkpoint fits a backbone everywhere except its input layer, whose weight is
``[C_out, 3, k, k]``. This writes a copy whose input-layer weight is
inflated to ``[C_out, C, k, k]`` by
:func:`segmif_mm.models.utils.inflate_rgb_weight` (RGB filters, then their
mean for the extra channels, all times 3/C), for backbones that load
``init_cfg.checkpoint`` with their own code (mmseg's ``SwinTransformer``);
the others can load the RGB checkpoint directly with
``init_cfg=dict(type='InflatedPretrained', checkpoint=...)``.

The input layer is ``--key``, or else the first 4-D weight with three input
channels in the checkpoint (the patch embedding or stem of MiT, Swin,
ResNet and ConvNeXt checkpoints); the key is printed. The checkpoint keeps
its layout (top level, ``state_dict`` or ``model``).

Usage:
    python tools/model_converters/inflate_rgb_checkpoint.py \\
        pretrain/swin_tiny_patch4_window7_224.pth \\
        pretrain/swin_tiny_patch4_window7_224_rgbt.pth --in-channels 4
"""
import argparse
import os.path as osp
from typing import Optional

import torch

from segmif_mm.models.utils import inflate_rgb_weight
from segmif_mm.utils import load_trusted_checkpoint, write_atomically


def input_layer_key(state_dict: dict, key: Optional[str] = None) -> str:
    """``key`` (checked), or the first 4-D weight with 3 input channels."""
    if key is not None:
        weight = state_dict.get(key)
        if weight is None or weight.dim() != 4 or weight.shape[1] != 3:
            raise ValueError(
                f'{key!r} is not a [C_out, 3, k, k] weight of the checkpoint '
                f'(got {None if weight is None else tuple(weight.shape)}).')
        return key
    for name, weight in state_dict.items():
        if torch.is_tensor(weight) and weight.dim() == 4 and \
                weight.shape[1] == 3:
            return name
    raise ValueError('The checkpoint has no [C_out, 3, k, k] weight; give '
                     'the input layer with --key.')


def inflate_checkpoint(checkpoint: dict,
                       in_channels: int,
                       key: Optional[str] = None) -> str:
    """Inflate the input layer of a loaded checkpoint in place.

    Args:
        checkpoint (dict): A state dict, or a dict holding one under
            ``state_dict`` or ``model``.
        in_channels (int): Input channels of the target backbone.
        key (str, optional): Key of the input-layer weight. Defaults to
            None (the first 4-D weight with 3 input channels).

    Returns:
        str: The inflated key.
    """
    state_dict = checkpoint.get('state_dict', checkpoint.get('model'))
    if not isinstance(state_dict, dict):
        state_dict = checkpoint
    key = input_layer_key(state_dict, key)
    state_dict[key] = inflate_rgb_weight(state_dict[key], in_channels)
    return key


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Inflate the RGB input layer of a checkpoint')
    parser.add_argument('src', help='RGB checkpoint')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument(
        '--in-channels',
        type=int,
        default=4,
        help='input channels of the target backbone (default: 4, R G B IR)')
    parser.add_argument('--key', help='key of the input-layer weight')
    args = parser.parse_args()
    if not osp.isfile(args.src):
        parser.error(f'{args.src} does not exist.')
    checkpoint = load_trusted_checkpoint(args.src, map_location='cpu')
    key = inflate_checkpoint(checkpoint, args.in_channels, args.key)
    write_atomically(args.dst, lambda tmp: torch.save(checkpoint, tmp))
    print(f'{key}: 3 -> {args.in_channels} input channels; wrote {args.dst}')


if __name__ == '__main__':
    main()
