from typing import Optional, Sequence, Tuple

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from .drdb import DRDB


@MODELS.register_module()
class DRDBFusionHead(BaseModule):
    """SegMiF's fusion sub-network: DRDB encoders, two HIAs, conv decoder.

    Fuses a visible luminance image and an infrared image, guided by two
    scales of semantic features from the segmentation backbone (its first
    two stages, strides 4 and 8). Everything runs at full input resolution:

    .. code:: text

        f_vis = stem_vis(vis_y), f_ir = stem_ir(ir)      3x3 conv, 1 -> C
        for scale k = 1, 2:
            f_vis, f_ir = DRDB_vis^k(f_vis), DRDB_ir^k(f_ir)
            f_seg = upsample(proj_k(guidance[k - 1]))    1x1 conv, -> C
            f_ir, f_vis = HIA_k(f_ir, f_vis, f_seg)
        fused_y = sigmoid(decoder(cat(f_vis, f_ir)))     2C -> C -> C/2 -> 1

    Each modality has its own stem and DRDBs. The guidance projections are
    applied at the feature's own resolution and then bilinearly upsampled
    (``align_corners=False``) to the input size, whatever the backbone's
    stride (4 and 8 for MiT, ResNet, Swin, ConvNeXt). The two interaction necks
    are separate modules (not shared between the scales). A neck that does
    not use the semantic features (HIA variant M1) gets ``f_seg=None`` and its
    scale has no projection; ``guidance_scales`` lists the scales in use, so
    the segmentor computes only the guidance that is needed.

    Args:
        guidance_channels (Sequence[int]): Channels of the two guidance maps:
            the widths of the backbone's first two stages, which ``SegMiF``
            fills in from its backbone (e.g. ``(64, 128)`` for MiT-B1..B5,
            ``(96, 192)`` for ConvNeXt-T and Swin-T).
        hia_cfgs (Sequence[dict]): Configs of the two interaction necks
            (``HierarchicalInteractiveAttention`` or a direct aggregation
            such as ``SumAggregation``), taking ``(f_ir, f_vis, f_seg)`` and
            returning ``(f_ir, f_vis)``; necks with a ``channels`` argument
            must use ``channels``.
        channels (int): Feature channels C. Defaults to 64.
        growth (int): DRDB growth rate. Defaults to 32.
        dilations (Sequence[int]): Dilations of the DRDB dense layers.
            Defaults to ``(2, 2, 2, 2, 2)``.
        num_blocks (int): DRDBs per modality before each neck. Defaults to 1.
        norm_cfg (dict, optional): Norm of the conv layers. Defaults to None.
        act_cfg (dict): Activation of the conv layers.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 guidance_channels: Sequence[int],
                 hia_cfgs: Sequence[ConfigType],
                 channels: int = 64,
                 growth: int = 32,
                 dilations: Sequence[int] = (2, 2, 2, 2, 2),
                 num_blocks: int = 1,
                 norm_cfg: OptConfigType = None,
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(guidance_channels) != 2 or len(hia_cfgs) != 2:
            raise ValueError(
                'DRDBFusionHead interacts at two semantic scales: give two '
                f'`guidance_channels` and two `hia_cfgs`, got '
                f'{len(guidance_channels)} and {len(hia_cfgs)}.')
        if num_blocks < 1:
            raise ValueError(f'num_blocks must be >= 1, got {num_blocks}.')
        self.channels = channels
        self.guidance_channels = tuple(guidance_channels)

        def conv(in_channels: int, out_channels: int) -> ConvModule:
            return ConvModule(
                in_channels,
                out_channels,
                kernel_size=3,
                padding=1,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)

        def drdb_stage() -> nn.Sequential:
            return nn.Sequential(*[
                DRDB(channels, growth, dilations, norm_cfg, act_cfg)
                for _ in range(num_blocks)
            ])

        self.vis_stem = conv(1, channels)
        self.ir_stem = conv(1, channels)
        self.vis_blocks = nn.ModuleList([drdb_stage(), drdb_stage()])
        self.ir_blocks = nn.ModuleList([drdb_stage(), drdb_stage()])
        self.interactions = nn.ModuleList()
        for cfg in hia_cfgs:
            neck = MODELS.build(cfg)
            neck_channels = getattr(neck, 'channels', channels)
            if neck_channels != channels:
                raise ValueError(
                    f'{type(neck).__name__} in `hia_cfgs` has channels='
                    f'{neck_channels}, but the fusion head has channels='
                    f'{channels}; set both to the same value.')
            self.interactions.append(neck)
        self.guidance_scales = tuple(
            i for i, neck in enumerate(self.interactions)
            if getattr(neck, 'uses_semantic_features', True))
        self.guidance_projs = nn.ModuleDict()
        for i in self.guidance_scales:
            self.guidance_projs[str(i)] = nn.Conv2d(
                guidance_channels[i], channels, kernel_size=1)
        self.decoder = nn.Sequential(
            conv(2 * channels, channels), conv(channels, channels // 2),
            nn.Conv2d(channels // 2, 1, kernel_size=3, padding=1),
            nn.Sigmoid())

    def _check_inputs(self, vis_y: Tensor, ir: Tensor,
                      guidance: Sequence[Optional[Tensor]]) -> None:
        if vis_y.dim() != 4 or vis_y.shape[1] != 1 or vis_y.shape != ir.shape:
            raise ValueError(
                'DRDBFusionHead takes a visible luminance and an infrared '
                'image of one shape [B, 1, H, W], got '
                f'{tuple(vis_y.shape)} and {tuple(ir.shape)}. Convert the '
                'visible image with rgb_to_ycbcr and pass its Y plane.')
        if len(guidance) != 2 or any(guidance[i] is None
                                     for i in self.guidance_scales):
            raise ValueError(
                'DRDBFusionHead needs a tuple of two guidance feature maps '
                f'(backbone stages 1 and 2) with maps at the scales '
                f'{self.guidance_scales} its necks use, got {len(guidance)} '
                f'entries, None at '
                f'{[i for i, g in enumerate(guidance) if g is None]}.')
        for i in self.guidance_scales:
            feat = guidance[i]
            if feat.dim() != 4 or feat.shape[0] != vis_y.shape[0] or \
                    feat.shape[1] != self.guidance_channels[i]:
                raise ValueError(
                    f'Guidance map {i} has shape {tuple(feat.shape)}, but '
                    f'the fusion head expects [{vis_y.shape[0]}, '
                    f'{self.guidance_channels[i]}, h, w]; set '
                    "`fusion_head.guidance_channels` to the backbone's "
                    'stage-1/2 widths (SegMiF does so when the config '
                    'leaves them out).')

    def forward(self, vis_y: Tensor, ir: Tensor,
                guidance: Tuple[Optional[Tensor], Optional[Tensor]]) -> Tensor:
        """Fuse the visible luminance with the infrared image.

        Args:
            vis_y (Tensor): Visible luminance ``[B, 1, H, W]`` in [0, 1].
            ir (Tensor): Infrared image ``[B, 1, H, W]`` in [0, 1].
            guidance (tuple[Tensor | None, Tensor | None]): Semantic
                features of any resolution,
                ``[B, guidance_channels[i], h_i, w_i]``; None allowed at
                scales not in ``guidance_scales``.

        Returns:
            Tensor: Fused luminance ``[B, 1, H, W]`` in [0, 1].
        """
        self._check_inputs(vis_y, ir, guidance)
        size = vis_y.shape[2:]
        f_vis = self.vis_stem(vis_y)
        f_ir = self.ir_stem(ir)
        for i, interaction in enumerate(self.interactions):
            # One full-resolution map at a time: each block's input is
            # released as soon as its output exists, and the guidance map is
            # upsampled only when the interaction needs it.
            f_ir = self.ir_blocks[i](f_ir)
            f_vis = self.vis_blocks[i](f_vis)
            f_seg = None
            if i in self.guidance_scales:
                f_seg = resize(
                    self.guidance_projs[str(i)](guidance[i]),
                    size=size,
                    mode='bilinear',
                    align_corners=False)
            f_ir, f_vis = interaction((f_ir, f_vis, f_seg))
            del f_seg
        return self.decoder(torch.cat([f_vis, f_ir], dim=1))
