"""Stages of mmseg's ``MixVisionTransformer`` (MiT)."""
import math
from typing import List, Tuple

from torch import Tensor, nn

from mmseg.models.backbones import MixVisionTransformer
from mmseg.models.utils import nlc_to_nchw
from .base import BACKBONE_STAGES, BackboneStages, class_path


@BACKBONE_STAGES.register_module(name=class_path(MixVisionTransformer))
class MiTStages(BackboneStages):
    """``backbone.layers[i] = [patch_embed, blocks, norm]``, run as
    ``MixVisionTransformer.forward`` does, up to stage k.

    The overlapping patch embeddings accept any size, but stage ``i``
    reduces its keys with a ``sr_ratios[i]`` strided convolution, so its
    map (stride ``strides[0] * ... * strides[i]``) must be at least
    ``sr_ratios[i]`` wide: images need sides of 32 pixels for every MiT
    variant.
    """

    def channels(self, backbone: nn.Module) -> Tuple[int, ...]:
        return tuple(layer[0].projection.out_channels
                     for layer in backbone.layers)

    def min_size(self, backbone: nn.Module) -> int:
        return max(sr * math.prod(backbone.strides[:i + 1])
                   for i, sr in enumerate(backbone.sr_ratios))

    def forward(self, backbone: nn.Module, img: Tensor,
                num_stages: int) -> List[Tensor]:
        outs = []
        x = img
        for patch_embed, blocks, norm in backbone.layers[:num_stages]:
            x, hw_shape = patch_embed(x)
            for block in blocks:
                x = block(x, hw_shape)
            x = nlc_to_nchw(norm(x), hw_shape)
            outs.append(x)
        return outs
