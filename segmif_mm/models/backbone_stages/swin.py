"""Stages of mmseg's ``SwinTransformer``."""
from typing import List, Tuple

from torch import Tensor, nn

from mmseg.models.backbones import SwinTransformer
from .base import BACKBONE_STAGES, BackboneStages, class_path, output_norm


@BACKBONE_STAGES.register_module(name=class_path(SwinTransformer))
class SwinStages(BackboneStages):
    """Patch embedding (+ absolute position embedding), then ``stages[i]``
    with its output norm ``norm{i}``, as ``SwinTransformer.forward``.

    The patch embedding, the shifted windows and the patch merging pad
    internally, so any input size works.
    """

    def channels(self, backbone: nn.Module) -> Tuple[int, ...]:
        return tuple(backbone.num_features)

    def forward(self, backbone: nn.Module, img: Tensor,
                num_stages: int) -> List[Tensor]:
        x, hw_shape = backbone.patch_embed(img)
        if backbone.use_abs_pos_embed:
            x = x + backbone.absolute_pos_embed
        x = backbone.drop_after_pos(x)
        outs = []
        for i, stage in enumerate(backbone.stages[:num_stages]):
            x, hw_shape, out, out_hw_shape = stage(x, hw_shape)
            out = output_norm(backbone, i)(out)
            outs.append(
                out.view(-1, *out_hw_shape,
                         backbone.num_features[i]).permute(0, 3, 1,
                                                           2).contiguous())
        return outs
