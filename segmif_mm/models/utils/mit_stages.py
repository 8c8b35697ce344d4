"""Run the first stages of mmseg's ``MixVisionTransformer`` only."""
from typing import List

from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from mmseg.models.utils import nlc_to_nchw


def mit_stage_features(backbone: nn.Module, img: Tensor,
                       num_stages: int) -> List[Tensor]:
    """Feature maps of the first ``num_stages`` stages of a MiT backbone.

    Runs ``backbone.layers[i] = [patch_embed, blocks, norm]`` for
    ``i < num_stages`` exactly as ``MixVisionTransformer.forward`` does and
    stops there, so the later (and most expensive) stages are never computed.
    The overlapping patch embeddings accept any input size.

    Args:
        backbone (nn.Module): An mmseg ``MixVisionTransformer`` (or a model
            wrapper around one).
        img (Tensor): Normalised images of shape ``[B, C_in, H, W]``.
        num_stages (int): Number of leading stages to run, at least 1.

    Returns:
        list[Tensor]: One map per stage; stage ``i`` has shape
        ``[B, embed_dims * num_heads[i], H_i, W_i]`` with
        ``H_i = ceil(H / 4 / 2**i)`` for the default strides.
    """
    if is_model_wrapper(backbone):
        backbone = backbone.module
    layers = getattr(backbone, 'layers', None)
    if not isinstance(layers, nn.ModuleList):
        raise TypeError(
            f'mit_stage_features needs a MixVisionTransformer backbone with '
            f'a `layers` ModuleList, got {type(backbone).__name__}. Set '
            "`backbone.type='MixVisionTransformer'` in the model config.")
    if not 1 <= num_stages <= len(layers):
        raise ValueError(
            f'num_stages must be between 1 and {len(layers)} (the backbone '
            f'has {len(layers)} stages), got {num_stages}.')
    outs = []
    x = img
    for patch_embed, blocks, norm in layers[:num_stages]:
        x, hw_shape = patch_embed(x)
        for block in blocks:
            x = block(x, hw_shape)
        x = nlc_to_nchw(norm(x), hw_shape)
        outs.append(x)
    return outs
