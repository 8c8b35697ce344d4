"""Load 3-channel (RGB) pretrained weights into a backbone with C inputs."""
import torch
from mmengine.model import PretrainedInit
from torch import Tensor, nn

from mmseg.registry import WEIGHT_INITIALIZERS


def inflate_rgb_weight(weight: Tensor, in_channels: int) -> Tensor:
    """Inflate a ``[C_out, 3, k, k]`` RGB filter bank to ``in_channels``.

    .. math::
        w'_{:, c} = \\frac{3}{C} w_{:, c} \\ (c < 3), \\qquad
        w'_{:, c} = \\frac{3}{C} \\bar{w} \\ (c \\ge 3),
        \\qquad \\bar{w} = \\frac{1}{3} \\sum_{c<3} w_{:, c}

    (for ``C < 3`` every channel gets ``3/C`` times the mean filter): the
    extra channels (infrared) start as the grey-level detector the mean RGB
    filter is, and the factor 3/C keeps the response to an image whose
    channels are all equal unchanged.

    Args:
        weight (Tensor): Pretrained weight ``[C_out, 3, k, k]``.
        in_channels (int): Target number of input channels ``C``.

    Returns:
        Tensor: ``[C_out, C, k, k]``.
    """
    mean = weight.mean(dim=1, keepdim=True)
    parts = [weight] + [mean] * (in_channels - 3) if in_channels >= 3 else \
        [mean] * in_channels
    return torch.cat(parts, dim=1) * (3.0 / in_channels)


def inflate_rgb_weights_on_load(module: nn.Module, state_dict: dict,
                                prefix: str, *args) -> None:
    """``load_state_dict`` pre-hook: inflate 3-channel weights of ``module``.

    A 4-D weight that the state dict holds as ``[C_out, 3, k, k]`` where the
    module's parameter is ``[C_out, C, k, k]`` with ``C != 3`` (a backbone's
    input layer built with ``in_channels=C``) is replaced by
    :func:`inflate_rgb_weight`; everything else loads as it is.
    """
    for name, param in module.named_parameters():
        weight = state_dict.get(prefix + name)
        if weight is not None and param.dim() == weight.dim() == 4 and \
                weight.shape[1] == 3 != param.shape[1] and \
                weight.shape[0] == param.shape[0] and \
                weight.shape[2:] == param.shape[2:]:
            state_dict[prefix + name] = inflate_rgb_weight(
                weight, param.shape[1])


@WEIGHT_INITIALIZERS.register_module(name='InflatedPretrained')
class InflatedPretrainedInit(PretrainedInit):
    """``Pretrained`` init that fits RGB weights to a C-channel input layer.

    For early fusion (R, G, B, IR inputs, ``in_channels=4``) ImageNet
    weights fit a backbone everywhere except its input layer (MiT's first
    patch embedding, ResNet's ``conv1`` or deep stem, ConvNeXt's stem),
    whose weight is ``[C_out, 3, k, k]``. This init installs
    :func:`inflate_rgb_weights_on_load` on the module (so the load it makes,
    and any later ``load_state_dict`` of RGB weights, inflates such
    weights) and then loads like mmengine's ``Pretrained``: same
    ``checkpoint``, ``prefix`` and ``map_location``; a missing file raises
    ``FileNotFoundError`` naming it.

    It works for backbones initialised through mmengine's ``init_cfg``
    (mmseg's ``MixVisionTransformer``, ``ResNet``/``ResNetV1c``,
    mmpretrain's ``ConvNeXt``). mmseg's ``SwinTransformer`` reads
    ``init_cfg.checkpoint`` with its own loader and ignores the type:
    inflate its checkpoint once with
    ``tools/model_converters/inflate_rgb_checkpoint.py``.

    Example:
        >>> backbone = dict(
        >>>     type='MixVisionTransformer', in_channels=4,
        >>>     init_cfg=dict(type='InflatedPretrained',
        >>>                   checkpoint='pretrain/mit_b3.pth'))
    """

    def __call__(self, module: nn.Module) -> None:
        module.register_load_state_dict_pre_hook(inflate_rgb_weights_on_load)
        super().__call__(module)
