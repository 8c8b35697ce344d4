"""Stages of mmseg's ``ResNet`` (and ``ResNetV1c``, ``ResNetV1d``)."""
from typing import List, Tuple

from torch import Tensor, nn

from mmseg.models.backbones import ResNet
from .base import BACKBONE_STAGES, BackboneStages, class_path


@BACKBONE_STAGES.register_module(name=class_path(ResNet))
class ResNetStages(BackboneStages):
    """The stem (``conv1``/``norm1``/ReLU, or the deep ``stem`` of V1c/V1d)
    and max pooling, then ``res_layers[i]`` up to stage k, as
    ``ResNet.forward``. Padded convolutions: any input size works.
    """

    def channels(self, backbone: nn.Module) -> Tuple[int, ...]:
        return tuple(backbone.base_channels * 2**i * backbone.block.expansion
                     for i in range(len(backbone.res_layers)))

    def forward(self, backbone: nn.Module, img: Tensor,
                num_stages: int) -> List[Tensor]:
        if backbone.deep_stem:
            x = backbone.stem(img)
        else:
            x = backbone.relu(backbone.norm1(backbone.conv1(img)))
        x = backbone.maxpool(x)
        outs = []
        for name in backbone.res_layers[:num_stages]:
            x = getattr(backbone, name)(x)
            outs.append(x)
        return outs
