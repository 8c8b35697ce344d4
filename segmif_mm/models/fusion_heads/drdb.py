from typing import Sequence

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig


class DRDB(BaseModule):
    """Dilated residual dense block (Yan et al., AHDRNet, CVPR 2019).

    A chain of dilated 3x3 convolutions with dense connectivity: layer ``i``
    sees the block input concatenated with the outputs of all previous layers
    and adds ``growth`` channels. A 1x1 convolution maps the concatenation
    back to ``channels`` and a local residual adds the block input:

    .. code:: text

        x_0 = x
        x_i = act(conv3x3_{d_i}([x_0, ..., x_{i-1}]))   i = 1..L
        out = x + conv1x1([x_0, ..., x_L])

    The spatial size is preserved (padding = dilation).

    Args:
        channels (int): Input and output channels C.
        growth (int): Channels added by each dense layer. Defaults to 32.
        dilations (Sequence[int]): Dilation of each dense layer; its length
            is the number of layers L. Defaults to five layers of dilation 2
            as in AHDRNet.
        norm_cfg (dict, optional): Norm of the dense layers. Defaults to None.
        act_cfg (dict): Activation of the dense layers.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels: int,
                 growth: int = 32,
                 dilations: Sequence[int] = (2, 2, 2, 2, 2),
                 norm_cfg: OptConfigType = None,
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not dilations or any(d < 1 for d in dilations):
            raise ValueError(f'DRDB needs at least one dense layer with '
                             f'dilation >= 1, got dilations={dilations}.')
        self.dense_layers = nn.ModuleList()
        in_channels = channels
        for dilation in dilations:
            self.dense_layers.append(
                ConvModule(
                    in_channels,
                    growth,
                    kernel_size=3,
                    padding=dilation,
                    dilation=dilation,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
            in_channels += growth
        self.fuse = nn.Conv2d(in_channels, channels, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block.

        Args:
            x (Tensor): Features of shape ``[B, C, H, W]``.

        Returns:
            Tensor: Features of shape ``[B, C, H, W]``.
        """
        features = [x]
        for layer in self.dense_layers:
            features.append(layer(torch.cat(features, dim=1)))
        return x + self.fuse(torch.cat(features, dim=1))
