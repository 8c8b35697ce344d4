"""MiT whose pretrained 3-channel patch embedding is inflated to C inputs."""
from typing import List

import torch
from torch import Tensor

from mmseg.models.backbones import MixVisionTransformer
from mmseg.registry import MODELS

STEM_WEIGHT = 'layers.0.0.projection.weight'


@MODELS.register_module()
class InflatedMixVisionTransformer(MixVisionTransformer):
    """mmseg ``MixVisionTransformer`` that loads 3-channel (RGB) weights into
    a first patch embedding with ``in_channels`` inputs.

    For early fusion of visible and infrared (R, G, B, IR inputs,
    ``in_channels=4``) ImageNet-pretrained MiT weights fit everywhere except
    the first convolution, whose weight is ``[C_out, 3, k, k]``. When a
    state dict (``init_cfg=dict(type='Pretrained', ...)``, ``load_from`` or
    any ``load_state_dict``) holds such a 3-channel weight ``w`` and the
    model has ``C != 3`` input channels, the weight is inflated before
    loading:

    .. math::
        w'_{:, c} = \\frac{3}{C} w_{:, c} \\ (c < 3), \\qquad
        w'_{:, c} = \\frac{3}{C} \\bar{w} \\ (c \\ge 3),
        \\qquad \\bar{w} = \\frac{1}{3} \\sum_{c<3} w_{:, c}

    (for ``C < 3`` every channel gets ``3/C`` times the mean filter), i.e.
    the extra channels start as a grey-level detector (the mean RGB filter)
    and the factor 3/C keeps the response to an image whose channels are
    all equal unchanged. State dicts whose stem already has
    ``C`` input channels load as they are. Everything else is the stock
    ``MixVisionTransformer``.

    Args:
        in_channels (int): Input channels, e.g. 4 for R, G, B, IR.
            Defaults to 4.
        **kwargs: Other arguments of
            :class:`mmseg.models.backbones.MixVisionTransformer`.

    Example:
        >>> backbone = dict(
        >>>     type='InflatedMixVisionTransformer', in_channels=4,
        >>>     init_cfg=dict(type='Pretrained',
        >>>                   checkpoint='pretrain/mit_b3.pth'))
    """

    def __init__(self, in_channels: int = 4, **kwargs) -> None:
        if in_channels < 1:
            raise ValueError('InflatedMixVisionTransformer needs '
                             f'in_channels >= 1, got {in_channels}.')
        super().__init__(in_channels=in_channels, **kwargs)
        self.in_channels = in_channels

    @staticmethod
    def inflate(weight: Tensor, in_channels: int) -> Tensor:
        """Inflate a ``[C_out, 3, k, k]`` RGB filter bank to ``in_channels``.

        Args:
            weight (Tensor): Pretrained stem weight ``[C_out, 3, k, k]``.
            in_channels (int): Target number of input channels ``C``.

        Returns:
            Tensor: ``[C_out, C, k, k]``: the RGB filters then ``C - 3``
            copies of their mean (``C >= 3``), or ``C`` copies of the mean
            (``C < 3``), all scaled by ``3 / C``.
        """
        mean = weight.mean(dim=1, keepdim=True)
        if in_channels >= 3:
            parts = [weight] + [mean] * (in_channels - 3)
        else:
            parts = [mean] * in_channels
        return torch.cat(parts, dim=1) * (3.0 / in_channels)

    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, strict: bool,
                              missing_keys: List[str],
                              unexpected_keys: List[str],
                              error_msgs: List[str]) -> None:
        """Inflate a 3-channel stem weight, then load as usual.

        Called by ``load_state_dict`` for this module before its children,
        so the patch embedding receives the inflated weight.
        """
        key = prefix + STEM_WEIGHT
        weight = state_dict.get(key)
        if weight is not None and weight.dim() == 4 and \
                weight.shape[1] == 3 and self.in_channels != 3:
            state_dict[key] = self.inflate(weight, self.in_channels)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
