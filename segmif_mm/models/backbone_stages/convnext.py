"""Stages of mmpretrain's ``ConvNeXt`` (``type='mmpretrain.ConvNeXt'``)."""
import math
from typing import List, Tuple

from torch import Tensor, nn

from .base import BACKBONE_STAGES, BackboneStages, output_norm


@BACKBONE_STAGES.register_module(
    name='mmpretrain.models.backbones.convnext.ConvNeXt')
class ConvNeXtStages(BackboneStages):
    """``downsample_layers[i]``, ``stages[i]`` and the output norm
    ``norm{i}`` up to stage k, as ``ConvNeXt.forward`` with
    ``gap_before_final_norm=False`` (spatial maps, as segmentation uses).

    The stem and the downsampling layers are unpadded strided convolutions
    (4 and 2 x 2 x 2): they drop the border rows an image side is not a
    multiple of, and the last stage is empty below 32 pixels. Images are
    therefore padded to a multiple of the total stride (32).
    """

    def channels(self, backbone: nn.Module) -> Tuple[int, ...]:
        return tuple(backbone.channels)

    def size_divisor(self, backbone: nn.Module) -> int:
        return math.prod(module.stride[0]
                         for module in backbone.downsample_layers.modules()
                         if isinstance(module, nn.Conv2d))

    def forward(self, backbone: nn.Module, img: Tensor,
                num_stages: int) -> List[Tensor]:
        outs = []
        x = img
        for i in range(num_stages):
            x = backbone.stages[i](backbone.downsample_layers[i](x))
            outs.append(output_norm(backbone, i)(x))
        return outs
