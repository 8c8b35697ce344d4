import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from torch import Tensor

from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList, add_prefix)
from ..backbone_stages import get_backbone_stages
from ..utils import (TASK_MODULES, crop_features, get_phase, pad_for_backbone,
                     restore_to_original, rgb_to_ycbcr, split_rgbt,
                     ycbcr_to_rgb)
from .task_phase_mixin import TaskPhaseMixin
from .wrapped_head_mixin import WrappedHeadMixin

GUIDANCE_SOURCES = ('visible', 'mean', 'fused')


@MODELS.register_module()
class SegMiF(TaskPhaseMixin, WrappedHeadMixin, EncoderDecoder):
    """SegMiF: joint infrared-visible image fusion and semantic segmentation.

    `Multi-interactive Feature Learning and a Full-time Multi-modality
    Benchmark for Image Fusion and Segmentation (ICCV 2023)
    <https://arxiv.org/abs/2308.02097>`_.

    Inputs are ``[B, 4, H, W]`` tensors (R, G, B, IR) in [0, 1]. The fusion
    head fuses the visible luminance Y with the infrared image, guided by the
    features of the backbone's first two stages (strides 4 and 8, §3.1-3.2;
    computed by the backbone's :class:`~segmif_mm.models.backbone_stages.
    BackboneStages`, which runs only those stages); the fused RGB (fused Y +
    visible Cb, Cr) is normalised with ``backbone_mean``/``backbone_std`` and
    segmented by the usual backbone + decode head. ``extract_feat``,
    ``encode_decode`` and the whole/slide inference of
    :class:`EncoderDecoder` therefore take fused RGB images in [0, 1];
    fusion always runs on the whole image.

    1. ``loss`` computes the losses of the active ``phase`` (the phase map
    is :data:`segmif_mm.models.utils.PHASES`):

    .. code:: text

     loss(): fuse() -> [EncoderDecoder.loss() on the fused RGB] -> [fusion_loss()] -> weight_task_losses() (eq. 7)
     fuse(): rgb_to_ycbcr() -> extract_guidance() -> fusion_head() -> ycbcr_to_rgb()
     extract_guidance(): [fusion_head() ('fused' source)] -> guidance_features()

    * ``'fusion'``: the fusion head is trained; backbone, neck and heads are
      frozen (``requires_grad=False``, eval mode) but stay in the graph, so
      the segmentation loss reaches the fused image. Returns
      ``λ1·fusion.loss_*`` and ``λ2·decode.loss_*`` (and ``aux``).
    * ``'seg'``: the fused image is produced under ``no_grad`` by the current
      fusion head (frozen); only the segmentation losses, unweighted.
    * ``'joint'``: everything is trained on ``λ1·L_f + λ2·L_s``.
    * ``'fusion_only'``: the fusion head is trained on ``L_f`` alone; the
      segmentation network never runs and no labels are needed.

    With both tasks' losses the detached, unweighted task totals
    ``task_fusion`` and ``task_seg`` are returned too (for
    ``DynamicTaskWeightHook``); λ comes from ``task_weights``. The optimizer
    step is the optimizer wrapper's business
    (:class:`~segmif_mm.engine.PhaseOptimWrapperDict` steps the phase's
    tasks).

    2. ``predict`` returns ``pred_sem_seg``, ``seg_logits`` and
    ``pred_fused_img`` (``[3, H, W]`` in [0, 1]) at the original image size:

    .. code:: text

     predict(): fuse() -> EncoderDecoder.predict() on the fused RGB -> add_fused_images()

    3. ``_forward`` (``mode='tensor'``) returns ``(fused_rgb, seg_logits)``,
    both at the input size, without post-processing:

    .. code:: text

     _forward(): fuse() -> extract_feat() -> decode_head() -> resize()

    Args:
        backbone (ConfigType): Config of the segmentation backbone, which
            takes RGB images: e.g. mmseg's ``MixVisionTransformer``,
            ``ResNetV1c``, ``SwinTransformer`` or ``mmpretrain.ConvNeXt``
            (stage runners in :mod:`segmif_mm.models.backbone_stages`; other
            backbones run whole for the guidance, with a warning).
        decode_head (ConfigType): Config of the decode head.
        fusion_head (ConfigType): Config of the fusion sub-network, e.g.
            ``DRDBFusionHead``; called as
            ``fusion_head(vis_y, ir, guidance) -> fused_y``. Its
            ``guidance_channels`` are the widths of the backbone's first two
            stages: filled in when the config leaves them out, checked when
            it gives them.
        fusion_loss (ConfigType): Config of the fusion loss, called as
            ``fusion_loss(fused_y, vis_y, ir, saliency)`` (``saliency``:
            the whole-image VSM maps of the sources, or None; see
            :meth:`source_saliency`) and returning a dict of losses whose
            keys start with ``loss_``.
        guidance_source (str): Image the backbone sees to produce the
            fusion head's guidance: ``'visible'`` (visible RGB),
            ``'mean'`` (pixel mean of visible RGB and infrared) or
            ``'fused'`` (two passes: fuse with guidance from the visible
            image, then take the guidance from that fused image).
            Defaults to 'visible'.
        guidance_grad (bool): Back-propagate through the guidance pass.
            Defaults to False (guidance computed under ``no_grad``).
        backbone_mean (Sequence[float]): Per-channel RGB mean subtracted
            from [0, 1] images before the backbone. Defaults to ImageNet's
            ``(0.485, 0.456, 0.406)``.
        backbone_std (Sequence[float]): Per-channel RGB std, same units.
            Defaults to ``(0.229, 0.224, 0.225)``.
        task_modules (dict, optional): Names of the submodules each task
            trains; the phases freeze them and the optimizer constructor
            builds one optimizer per task over them. Defaults to None
            (:data:`segmif_mm.models.utils.TASK_MODULES`).
        neck (OptConfigType): Config of a neck after the backbone.
            Defaults to None.
        auxiliary_head (OptConfigType): Config of auxiliary head(s).
            Defaults to None.
        train_cfg (OptConfigType): Training config. Defaults to None.
        test_cfg (OptConfigType): Testing config, e.g.
            ``dict(mode='whole')``. Defaults to None.
        data_preprocessor (OptConfigType): Config of the data preprocessor,
            which must deliver [0, 1] 4-channel inputs
            (``MultiModalDataPreProcessor`` without ``mean``/``std``).
            Defaults to None.
        pretrained (str, optional): Backbone checkpoint. Defaults to None.
        init_cfg (OptMultiConfig): Initialization config. Defaults to None.
    """  # noqa: E501

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 fusion_head: ConfigType,
                 fusion_loss: ConfigType,
                 guidance_source: str = 'visible',
                 guidance_grad: bool = False,
                 backbone_mean: Sequence[float] = (0.485, 0.456, 0.406),
                 backbone_std: Sequence[float] = (0.229, 0.224, 0.225),
                 task_modules: Optional[Dict[str, Sequence[str]]] = None,
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            auxiliary_head=auxiliary_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            pretrained=pretrained,
            init_cfg=init_cfg)
        if guidance_source not in GUIDANCE_SOURCES:
            raise ValueError(f'guidance_source must be one of '
                             f'{GUIDANCE_SOURCES}, got {guidance_source!r}.')
        if len(backbone_mean) != 3 or len(backbone_std) != 3 or min(
                backbone_std) <= 0:
            raise ValueError(
                'backbone_mean and backbone_std need three RGB values in '
                f'[0, 1] units (std > 0), got {backbone_mean} and '
                f'{backbone_std}.')
        if getattr(self.data_preprocessor, 'normalizes', False):
            raise ValueError(
                'SegMiF takes [0, 1] inputs and normalises the backbone input '
                'itself (backbone_mean/backbone_std), but its '
                'data_preprocessor has mean/std (inherited from a base '
                'config?). Set data_preprocessor=dict(mean=None, std=None).')
        self.backbone_stages = get_backbone_stages(self.backbone)
        self.backbone_min_size = self.backbone_stages.min_size(self.backbone)
        self.backbone_size_divisor = self.backbone_stages.size_divisor(
            self.backbone)
        self.fusion_head = MODELS.build(
            self.with_guidance_channels(fusion_head))
        self.fusion_loss = MODELS.build(fusion_loss)
        self.guidance_source = guidance_source
        self.guidance_grad = guidance_grad
        self.guidance_scales = tuple(
            getattr(self.fusion_head, 'guidance_scales', (0, 1)))
        self.register_buffer(
            'backbone_mean',
            torch.tensor(backbone_mean, dtype=torch.float32).view(1, 3, 1, 1),
            persistent=False)
        self.register_buffer(
            'backbone_std',
            torch.tensor(backbone_std, dtype=torch.float32).view(1, 3, 1, 1),
            persistent=False)
        self.task_modules = {
            task: tuple(names)
            for task, names in (task_modules or TASK_MODULES).items()
        }
        self.task_weights = dict(fusion=1.0, seg=1.0)
        self.phase = 'joint'

    def with_guidance_channels(self, fusion_head: ConfigType) -> ConfigType:
        """The fusion head's config with the backbone's stage-1/2 widths.

        Args:
            fusion_head (ConfigType): Config of the fusion head.

        Returns:
            ConfigType: A copy with ``guidance_channels`` set to the
            channels of the backbone's first two stages.

        Raises:
            ValueError: The config gives other ``guidance_channels``.
        """
        widths = tuple(self.backbone_stages.channels(self.backbone)[:2])
        cfg = copy.deepcopy(fusion_head)
        given = cfg.get('guidance_channels')
        if given is not None and tuple(given) != widths:
            raise ValueError(
                f'fusion_head.guidance_channels={tuple(given)}, but the first '
                f'two stages of the {type(self.backbone).__name__} backbone '
                f'have {widths} channels. Leave guidance_channels out of the '
                'config: SegMiF takes them from the backbone.')
        cfg['guidance_channels'] = widths
        return cfg

    # ------------------------------------------------------------- fusion
    def normalize(self, rgb: Tensor) -> Tensor:
        """The backbone's input: normalised RGB, padded to a size it takes.

        Images are padded at the bottom and right with zeros (the mean
        colour after normalisation) to sides that are multiples of
        ``backbone_size_divisor`` and at least ``backbone_min_size`` (the
        backbone's :class:`BackboneStages` says which); the features are
        cropped back by :func:`crop_features`.

        Args:
            rgb (Tensor): Images ``[B, 3, H, W]`` in [0, 1].

        Returns:
            Tensor: ``(rgb - backbone_mean) / backbone_std``, padded.
        """
        if rgb.dim() != 4 or rgb.shape[1] != 3:
            raise ValueError(
                'The backbone of SegMiF takes fused RGB images [B, 3, H, W] '
                f'in [0, 1], got {tuple(rgb.shape)}. Call fuse() on the '
                '4-channel inputs first.')
        return pad_for_backbone((rgb - self.backbone_mean) / self.backbone_std,
                                self.backbone_min_size,
                                self.backbone_size_divisor)

    def guidance_features(
            self, rgb: Tensor) -> Tuple[Optional[Tensor], Optional[Tensor]]:
        """Backbone stage-1/2 features of RGB images for the fusion head.

        Only the stages up to the last scale in ``guidance_scales`` run
        (:class:`BackboneStages`).

        Args:
            rgb (Tensor): Images ``[B, 3, H, W]`` in [0, 1].

        Returns:
            tuple[Tensor | None, Tensor | None]: Stage-1 (stride 4) and
            stage-2 (stride 8) features; None at scales the fusion head does
            not use.
        """
        if not self.guidance_scales:
            return None, None
        img = self.normalize(rgb)
        num_stages = max(self.guidance_scales) + 1
        feats = crop_features(
            self.backbone_stages(self.backbone, img, num_stages),
            rgb.shape[2:], img.shape[2:])
        return tuple(feats[i] if i in self.guidance_scales else None
                     for i in range(2))

    def extract_guidance(
        self, vis_rgb: Tensor, ir: Tensor, vis_ycbcr: Tuple[Tensor, Tensor,
                                                            Tensor]
    ) -> Tuple[Optional[Tensor], Optional[Tensor]]:
        """Guidance features from the image chosen by ``guidance_source``.

        Runs under ``no_grad`` unless ``guidance_grad`` is True.

        Args:
            vis_rgb (Tensor): Visible images ``[B, 3, H, W]`` in [0, 1].
            ir (Tensor): Infrared images ``[B, 1, H, W]`` in [0, 1].
            vis_ycbcr (tuple[Tensor, Tensor, Tensor]): Y, Cb, Cr of
                ``vis_rgb``, each ``[B, 1, H, W]``.

        Returns:
            tuple[Tensor | None, Tensor | None]: See
            :meth:`guidance_features`.
        """
        if not self.guidance_scales:
            return None, None
        with torch.set_grad_enabled(self.guidance_grad
                                    and torch.is_grad_enabled()):
            if self.guidance_source == 'visible':
                guide = vis_rgb
            elif self.guidance_source == 'mean':
                guide = (vis_rgb + ir) / 2
            else:
                vis_y, vis_cb, vis_cr = vis_ycbcr
                first_y = self.fusion_head(vis_y, ir,
                                           self.guidance_features(vis_rgb))
                guide = ycbcr_to_rgb(first_y, vis_cb, vis_cr).clamp(0, 1)
            return self.guidance_features(guide)

    def fuse(self, inputs: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Fuse the visible and infrared images.

        Args:
            inputs (Tensor): ``[B, 4, H, W]`` (R, G, B, IR) in [0, 1].

        Returns:
            tuple[Tensor, Tensor, Tensor, Tensor]: ``(fused_y, fused_rgb,
            vis_y, ir)``: fused luminance ``[B, 1, H, W]``, fused RGB
            ``[B, 3, H, W]`` (fused Y with the visible Cb/Cr, clamped to
            [0, 1]), visible luminance and infrared ``[B, 1, H, W]``.
        """
        vis_rgb, ir = split_rgbt(inputs)
        vis_ycbcr = rgb_to_ycbcr(vis_rgb)
        vis_y, vis_cb, vis_cr = vis_ycbcr
        guidance = self.extract_guidance(vis_rgb, ir, vis_ycbcr)
        fused_y = self.fusion_head(vis_y, ir, guidance)
        fused_rgb = ycbcr_to_rgb(fused_y, vis_cb, vis_cr).clamp(0, 1)
        return fused_y, fused_rgb, vis_y, ir

    # ------------------------------------------------------- segmentation
    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Backbone (and neck) features of fused RGB images.

        Args:
            inputs (Tensor): Fused RGB images ``[B, 3, H, W]`` in [0, 1], any
                size (small images are padded for the backbone and the
                features cropped back).

        Returns:
            list[Tensor]: Multi-level features.
        """
        img = self.normalize(inputs)
        feats = crop_features(
            self.backbone(img), inputs.shape[2:], img.shape[2:])
        return self.neck(feats) if self.with_neck else feats

    # ---------------------------------------------------------------- loss
    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses of the active phase.

        Args:
            inputs (Tensor): ``[B, 4, H, W]`` (R, G, B, IR) in [0, 1].
            data_samples (list[:obj:`SegDataSample`]): Samples, with
                ``gt_sem_seg`` unless the phase is ``'fusion_only'``.

        Returns:
            dict[str, Tensor]: ``fusion.loss_*`` and/or ``decode.*`` (and
            ``aux*.``) of the tasks in the phase's ``losses``; see
            :meth:`weight_task_losses` when both are present.
        """
        phase = get_phase(self.phase)
        with torch.set_grad_enabled('fusion' in phase.trains
                                    and torch.is_grad_enabled()):
            fused_y, fused_rgb, vis_y, ir = self.fuse(inputs)
        task_losses = {}
        if 'fusion' in phase.losses:
            task_losses['fusion'] = add_prefix(
                self.fusion_task_loss(
                    fused_y, vis_y, ir,
                    self.source_saliency(data_samples, inputs)), 'fusion')
        if 'seg' in phase.losses:
            task_losses['seg'] = super().loss(fused_rgb, data_samples)
        if not phase.weighted:
            return task_losses.popitem()[1]
        return self.weight_task_losses(task_losses)

    def fusion_task_loss(
            self,
            fused_y: Tensor,
            vis_y: Tensor,
            ir: Tensor,
            saliency: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """``L_f`` of the fused luminance, term by term (paper §3.3).

        Args:
            fused_y (Tensor): Fused luminance ``[B, 1, H, W]`` in [0, 1].
            vis_y (Tensor): Visible luminance ``[B, 1, H, W]`` in [0, 1].
            ir (Tensor): Infrared image ``[B, 1, H, W]`` in [0, 1].
            saliency (Tensor, optional): Saliency maps of the whole source
                images, ``[B, 2, H, W]`` (:meth:`source_saliency`).
                Defaults to None (the fusion loss computes them from
                ``vis_y`` and ``ir``).

        Returns:
            dict[str, Tensor]: The fusion loss's terms, keys ``loss_*``.
        """
        losses = self.fusion_loss(fused_y, vis_y, ir, saliency)
        bad = [key for key in losses if not key.startswith('loss_')]
        if bad:
            raise KeyError(
                f'{type(self.fusion_loss).__name__} returned the keys {bad}; '
                'fusion loss keys must start with `loss_`.')
        return losses

    @staticmethod
    def source_saliency(data_samples: SampleList,
                        inputs: Tensor) -> Optional[Tensor]:
        """The whole-image saliency maps the pipeline packed, as a batch.

        The maps of :class:`~segmif_mm.datasets.transforms.
        GenerateSaliencyMaps` (``gt_saliency`` of each sample) are padded at
        the bottom and right to the input size, as the data preprocessor
        pads the images, with 255: padding gets equal fusion-loss weights.

        Args:
            data_samples (list[:obj:`SegDataSample`]): The batch's samples.
            inputs (Tensor): The batch ``[B, 4, H, W]``.

        Returns:
            Tensor | None: ``[B, 2, H, W]`` (S_vis, S_ir), or None when no
            sample has maps and every sample is a whole image (the loss
            then computes them from the batch, which is the same).

        Raises:
            ValueError: Only some samples have maps, or the samples are
                crops or resized (``img_shape != ori_shape``) without maps:
                their saliency would depend on the crop.
        """
        maps = [sample.get('gt_saliency') for sample in data_samples]
        if all(saliency is None for saliency in maps):
            changed = [
                sample.get('img_path', i)
                for i, sample in enumerate(data_samples)
                if 'img_shape' in sample and 'ori_shape' in sample
                and tuple(sample.img_shape) != tuple(sample.ori_shape)
            ]
            if changed:
                raise ValueError(
                    f'The fusion loss weights each source by its visual '
                    f'saliency, which depends on the whole image, but the '
                    f'training samples {changed[:3]} are crops or resized '
                    'and carry no whole-image saliency maps. Add '
                    "dict(type='GenerateSaliencyMaps') to the train pipeline "
                    'before ConcatInfrared and pack with '
                    "dict(type='PackFusionSegInputs').")
            return None
        if any(saliency is None for saliency in maps):
            raise ValueError(
                'Some samples of the batch carry gt_saliency and some do '
                'not; build every training sample with the same pipeline.')
        height, width = inputs.shape[2:]
        return torch.stack([
            F.pad(
                saliency.data, (0, width - saliency.data.shape[-1], 0,
                                height - saliency.data.shape[-2]),
                value=255) for saliency in maps
        ]).to(inputs.device)

    def weight_task_losses(self, task_losses: Dict[str, Dict[str,
                                                             Tensor]]) -> dict:
        """Paper eq. 7: ``λ1·L_f + λ2·L_s``, term by term.

        Args:
            task_losses (dict[str, dict[str, Tensor]]): Per task, its loss
                dict (keys with ``loss`` are loss terms, others are logged).

        Returns:
            dict[str, Tensor]: Every loss term times its task's λ, the other
            entries unchanged, plus ``task_<name>``: the detached,
            unweighted sum of each task's loss terms.
        """
        losses = {}
        for task, terms in task_losses.items():
            weight = self.task_weights[task]
            losses.update({
                key: weight * value if 'loss' in key else value
                for key, value in terms.items()
            })
        for task, terms in task_losses.items():
            losses[f'task_{task}'] = sum(value.mean()
                                         for key, value in terms.items()
                                         if 'loss' in key).detach()
        return losses

    # ------------------------------------------------------------- predict
    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Fused images and segmentation at the original image size.

        Args:
            inputs (Tensor): ``[B, 4, H, W]`` (R, G, B, IR) in [0, 1].
            data_samples (list[:obj:`SegDataSample`], optional): Samples
                with meta information (``ori_shape``, ``padding_size``...).

        Returns:
            list[:obj:`SegDataSample`]: With ``pred_sem_seg``,
            ``seg_logits`` and ``pred_fused_img`` (``[3, H, W]`` in [0, 1]),
            float32 also when the pass ran under bf16/fp16 autocast.
        """
        _, fused_rgb, _, _ = self.fuse(inputs)
        results = super().predict(fused_rgb, data_samples)
        for result in results:
            result.seg_logits.data = result.seg_logits.data.float()
        return self.add_fused_images(
            fused_rgb.float(), results, restore=data_samples is not None)

    def add_fused_images(self, fused_rgb: Tensor, data_samples: SampleList,
                         restore: bool) -> SampleList:
        """Add ``pred_fused_img`` to each sample.

        Args:
            fused_rgb (Tensor): Fused images ``[B, 3, H, W]`` in [0, 1] at
                the input size.
            data_samples (list[:obj:`SegDataSample`]): The samples.
            restore (bool): Undo padding and flip and resize to
                ``ori_shape`` (as ``postprocess_result`` does to the
                logits); otherwise keep the input size.

        Returns:
            list[:obj:`SegDataSample`]: The samples, with ``pred_fused_img``
            (``PixelData``, ``[3, H, W]`` in [0, 1]).
        """
        for i, data_sample in enumerate(data_samples):
            fused = restore_to_original(
                fused_rgb[i:i + 1], data_sample.metainfo,
                self.align_corners) if restore else fused_rgb[i]
            data_sample.set_data({'pred_fused_img': PixelData(data=fused)})
        return data_samples

    def _forward(self,
                 inputs: Tensor,
                 data_samples: OptSampleList = None) -> Tuple[Tensor, Tensor]:
        """Network forward without post-processing (FLOPs, ONNX export).

        Args:
            inputs (Tensor): ``[B, 4, H, W]`` (R, G, B, IR) in [0, 1].
            data_samples (list[:obj:`SegDataSample`], optional): Unused.

        Returns:
            tuple[Tensor, Tensor]: Fused RGB ``[B, 3, H, W]`` in [0, 1] and
            segmentation logits ``[B, K, H, W]`` at the input size.
        """
        _, fused_rgb, _, _ = self.fuse(inputs)
        seg_logits = self.decode_head(self.extract_feat(fused_rgb))
        seg_logits = resize(
            seg_logits,
            size=inputs.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return fused_rgb, seg_logits
