import math
from contextlib import ExitStack
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from torch import Tensor, nn

from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList, add_prefix)
from ..utils import mit_stage_features, rgb_to_ycbcr, ycbcr_to_rgb

PHASES = ('fusion', 'seg', 'joint')
PHASE_OPTIM_WRAPPERS = dict(
    fusion=('fusion', ), seg=('seg', ), joint=('fusion', 'seg'))
GUIDANCE_SOURCES = ('visible', 'mean', 'fused')


def restore_to_original(img: Tensor, img_meta: dict,
                        align_corners: bool) -> Tensor:
    """Undo padding and flip of one image and resize it to ``ori_shape``.

    Args:
        img (Tensor): Map of shape ``[1, C, H, W]`` at the model input size.
        img_meta (dict): Meta information with ``ori_shape`` and optionally
            ``padding_size``/``img_padding_size``, ``flip`` and
            ``flip_direction`` (as written by mmseg's data pipeline).
        align_corners (bool): ``align_corners`` of the bilinear resize.

    Returns:
        Tensor: Map of shape ``[C, *ori_shape]``.
    """
    height, width = img.shape[2:]
    left, right, top, bottom = img_meta.get(
        'img_padding_size', img_meta.get('padding_size', [0] * 4))
    img = img[:, :, top:height - bottom, left:width - right]
    if img_meta.get('flip', False):
        direction = img_meta.get('flip_direction')
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f"Unknown flip_direction {direction!r} in the "
                             "image meta; expected 'horizontal' or "
                             "'vertical'.")
        img = img.flip(dims=(3, ) if direction == 'horizontal' else (2, ))
    return resize(
        img,
        size=img_meta['ori_shape'],
        mode='bilinear',
        align_corners=align_corners,
        warning=False).squeeze(0)


@MODELS.register_module()
class SegMiF(EncoderDecoder):
    """SegMiF: joint infrared-visible image fusion and semantic segmentation.

    `Multi-interactive Feature Learning and a Full-time Multi-modality
    Benchmark for Image Fusion and Segmentation (ICCV 2023)
    <https://arxiv.org/abs/2308.02097>`_.

    Inputs are ``[B, 4, H, W]`` tensors (R, G, B, IR) in [0, 1]. The fusion
    head fuses the visible luminance Y with the infrared image, guided by
    MiT stage-1/2 features; the fused RGB (fused Y + visible Cb, Cr) is
    normalised with ``backbone_mean``/``backbone_std`` and segmented by the
    usual backbone + decode head. ``extract_feat``, ``encode_decode`` and the
    whole/slide inference of :class:`EncoderDecoder` therefore take fused RGB
    images in [0, 1]; fusion always runs on the whole image.

    1. ``loss`` computes the losses of the active ``phase``:

    .. code:: text

     loss(): fuse() -> extract_feat() -> _decode_head_forward_train() -> _auxiliary_head_forward_train (optional) -> fusion_loss() (fusion/joint)
     fuse(): rgb_to_ycbcr() -> extract_guidance() -> fusion_head() -> ycbcr_to_rgb()
     extract_guidance(): [fusion_head() ('fused' source)] -> mit_stage_features()

    * ``'fusion'``: the fusion head is trained; backbone, neck and heads are
      frozen (``requires_grad=False``, eval mode) but stay in the graph, so
      the segmentation loss reaches the fused image. Returns
      ``λ1·fusion.loss_*`` and ``λ2·decode.loss_*`` (and ``aux``).
    * ``'seg'``: the fused image is produced under ``no_grad`` by the current
      fusion head (frozen); only the segmentation losses, unweighted.
    * ``'joint'``: everything is trained on ``λ1·L_f + λ2·L_s``.

    In ``'fusion'`` and ``'joint'`` the detached, unweighted task totals
    ``task_fusion`` and ``task_seg`` are returned too (for
    ``DynamicTaskWeightHook``); λ comes from ``task_weights``.

    2. ``predict`` returns ``pred_sem_seg``, ``seg_logits`` and
    ``pred_fused_img`` (``[3, H, W]`` in [0, 1]) at the original image size:

    .. code:: text

     predict(): fuse() -> inference() -> postprocess_result()
     inference(): whole_inference()/slide_inference() on the fused RGB
     whole_inference()/slide_inference(): encode_decode()
     encode_decode(): extract_feat() -> decode_head.predict()

    3. ``_forward`` (``mode='tensor'``) returns ``(fused_rgb, seg_logits)``,
    both at the input size, without post-processing:

    .. code:: text

     _forward(): fuse() -> extract_feat() -> decode_head() -> resize()

    ``train_step`` takes an ``OptimWrapperDict`` with ``fusion`` and ``seg``
    wrappers (only the active phase's are used) or a single ``OptimWrapper``
    for the whole model.

    Args:
        backbone (ConfigType): Config of the segmentation backbone, an mmseg
            ``MixVisionTransformer``.
        decode_head (ConfigType): Config of the decode head.
        fusion_head (ConfigType): Config of the fusion sub-network, e.g.
            ``DRDBFusionHead``; called as
            ``fusion_head(vis_y, ir, guidance) -> fused_y``.
        fusion_loss (ConfigType): Config of the fusion loss, called as
            ``fusion_loss(fused_y, vis_y, ir)`` and returning a dict of
            losses whose keys start with ``loss_``.
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
        neck (OptConfigType): Config of a neck after the backbone.
            Defaults to None.
        auxiliary_head (OptConfigType): Config of auxiliary head(s).
            Defaults to None.
        train_cfg (OptConfigType): Training config. Defaults to None.
        test_cfg (OptConfigType): Testing config, e.g.
            ``dict(mode='whole')``. Defaults to None.
        data_preprocessor (OptConfigType): Config of the data preprocessor,
            which must deliver [0, 1] 4-channel inputs
            (``MultiModalDataPreProcessor``). Defaults to None.
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
        self.fusion_head = MODELS.build(fusion_head)
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
        self.backbone_min_size = self._min_input_size(self.backbone)
        self.task_weights = dict(fusion=1.0, seg=1.0)
        self.phase = 'joint'

    @staticmethod
    def _min_input_size(backbone: nn.Module) -> int:
        """Smallest image side the backbone's attention layers accept.

        Stage ``i`` of a MiT reduces its keys with a ``sr_ratios[i]`` strided
        convolution, so its feature map (stride ``strides[0] * ...
        * strides[i]``) must be at least ``sr_ratios[i]`` wide: 32 pixels
        for every MiT variant.
        """
        strides = getattr(backbone, 'strides', ())
        sr_ratios = getattr(backbone, 'sr_ratios', ())
        return max((sr * math.prod(strides[:i + 1])
                    for i, sr in enumerate(sr_ratios)),
                   default=1)

    # ----------------------------------------------------------- training
    @property
    def task_weights(self) -> Dict[str, float]:
        """dict: λ per task, ``dict(fusion=λ1, seg=λ2)``."""
        return self._task_weights

    @task_weights.setter
    def task_weights(self, weights: Dict[str, float]) -> None:
        if set(weights) != {'fusion', 'seg'}:
            raise ValueError('task_weights must be dict(fusion=λ1, seg=λ2), '
                             f'got keys {sorted(weights)}.')
        self._task_weights = {k: float(v) for k, v in weights.items()}

    @property
    def phase(self) -> str:
        """str: Training phase, ``'fusion'``, ``'seg'`` or ``'joint'``.

        Setting it freezes the modules the phase does not train
        (``requires_grad=False`` and eval mode) and unfreezes the others;
        the parameters are toggled only when the phase changes.
        """
        return self._phase

    @phase.setter
    def phase(self, phase: str) -> None:
        if phase not in PHASES:
            raise ValueError(f'phase must be one of {PHASES}, got {phase!r}.')
        if phase == getattr(self, '_phase', None):
            return
        self._phase = phase
        for module, trained in self._phase_modules():
            module.requires_grad_(trained)
        self.train(self.training)

    def _phase_modules(self) -> List[Tuple[nn.Module, bool]]:
        """Task modules with whether the current phase trains them."""
        seg_trained = self._phase in ('seg', 'joint')
        modules = [(self.fusion_head, self._phase in ('fusion', 'joint'))]
        for name in ('backbone', 'neck', 'decode_head', 'auxiliary_head'):
            module = getattr(self, name, None)
            if module is not None:
                modules.append((module, seg_trained))
        return modules

    def train(self, mode: bool = True) -> 'SegMiF':
        """Set train/eval mode, keeping the frozen modules in eval mode."""
        super().train(mode)
        if mode:
            for module, trained in self._phase_modules():
                if not trained:
                    module.eval()
        return self

    def active_optim_wrappers(
        self, optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
    ) -> List[OptimWrapper]:
        """The optimizer wrappers that the current phase steps.

        Args:
            optim_wrapper (OptimWrapper | OptimWrapperDict): One wrapper for
                the whole model, or ``fusion`` and ``seg`` wrappers.

        Returns:
            list[OptimWrapper]: ``[fusion]``, ``[seg]`` or both (joint); the
            single wrapper when one is given.
        """
        if not isinstance(optim_wrapper, OptimWrapperDict):
            return [optim_wrapper]
        names = PHASE_OPTIM_WRAPPERS[self.phase]
        missing = [name for name in names if name not in optim_wrapper]
        if missing:
            raise KeyError(
                f'The {self.phase!r} phase needs the optimizer wrappers '
                f'{list(names)}, but optim_wrapper has only '
                f'{list(optim_wrapper.keys())}; configure `optim_wrapper` '
                "with 'fusion' and 'seg' entries "
                '(SegMiFOptimWrapperConstructor).')
        return [optim_wrapper[name] for name in names]

    @staticmethod
    def update_params(loss: Tensor,
                      optim_wrappers: List[OptimWrapper]) -> None:
        """Back-propagate ``loss`` and step the given optimizer wrappers.

        With one wrapper this is ``update_params``. With several (joint
        phase with separate optimizers) every wrapper back-propagates the
        loss into its own parameters only (``backward(inputs=...)``), with
        its own loss scaling (AMP) and gradient accumulation, and all
        backward passes finish before any parameter changes. This costs one
        extra backward pass through the segmentation network; a single
        wrapper for the whole model avoids it.

        Args:
            loss (Tensor): The total loss.
            optim_wrappers (list[OptimWrapper]): Wrappers to update.
        """
        if len(optim_wrappers) == 1:
            optim_wrappers[0].update_params(loss)
            return
        for i, wrapper in enumerate(optim_wrappers):
            params = [
                p for group in wrapper.param_groups for p in group['params']
                if p.requires_grad
            ]
            wrapper.backward(
                wrapper.scale_loss(loss),
                retain_graph=i < len(optim_wrappers) - 1,
                inputs=params)
        for wrapper in optim_wrappers:
            if wrapper.should_update():
                wrapper.step()
                wrapper.zero_grad()

    def train_step(
        self, data: Union[dict, tuple, list],
        optim_wrapper: Union[OptimWrapper,
                             OptimWrapperDict]) -> Dict[str, Tensor]:
        """Forward, backward and update the active phase's optimizer(s).

        Args:
            data (dict | tuple | list): A batch from the dataloader.
            optim_wrapper (OptimWrapper | OptimWrapperDict): One wrapper for
                the whole model, or ``fusion`` and ``seg`` wrappers.

        Returns:
            dict[str, Tensor]: Log variables.
        """
        optim_wrappers = self.active_optim_wrappers(optim_wrapper)
        with ExitStack() as stack:
            for wrapper in optim_wrappers:
                stack.enter_context(wrapper.optim_context(self))
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        parsed_loss, log_vars = self.parse_losses(losses)
        self.update_params(parsed_loss, optim_wrappers)
        return log_vars

    # ------------------------------------------------------------- fusion
    @staticmethod
    def split_inputs(inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """Split ``[B, 4, H, W]`` inputs into visible RGB and infrared.

        Args:
            inputs (Tensor): Images (R, G, B, IR) in [0, 1].

        Returns:
            tuple[Tensor, Tensor]: Visible ``[B, 3, H, W]`` and infrared
            ``[B, 1, H, W]``.
        """
        if inputs.dim() != 4 or inputs.shape[1] != 4:
            raise ValueError(
                'SegMiF expects inputs of shape [B, 4, H, W] with channels '
                f'(R, G, B, IR), got {tuple(inputs.shape)}. Use '
                "ConcatInfrared in the pipeline and MultiModalDataPreProcessor"
                ' as the data_preprocessor.')
        if not (torch.jit.is_tracing() or torch.compiler.is_compiling()):
            low, high = torch.aminmax(inputs.detach())
            if low < 0 or high > 1:
                raise ValueError(
                    'SegMiF expects inputs in [0, 1], got values in '
                    f'[{float(low):.3g}, {float(high):.3g}]. Do not normalise'
                    ' with mean/std in the data_preprocessor (use '
                    'MultiModalDataPreProcessor); SegMiF normalises the '
                    "backbone's input itself (backbone_mean/backbone_std).")
        return inputs[:, :3], inputs[:, 3:]

    def normalize(self, rgb: Tensor) -> Tensor:
        """Normalise RGB images in [0, 1] for the backbone.

        Images smaller than ``backbone_min_size`` are padded at the bottom and
        right with zeros (the mean colour after normalisation); see
        :meth:`crop_features`.

        Args:
            rgb (Tensor): Images ``[B, 3, H, W]`` in [0, 1].

        Returns:
            Tensor: ``(rgb - backbone_mean) / backbone_std``, of size
            ``max(H, backbone_min_size) x max(W, backbone_min_size)``.
        """
        if rgb.dim() != 4 or rgb.shape[1] != 3:
            raise ValueError(
                'The backbone of SegMiF takes fused RGB images [B, 3, H, W] '
                f'in [0, 1], got {tuple(rgb.shape)}. Call fuse() on the '
                '4-channel inputs first.')
        height, width = rgb.shape[2:]
        pad_w = max(self.backbone_min_size - width, 0)
        pad_h = max(self.backbone_min_size - height, 0)
        return F.pad((rgb - self.backbone_mean) / self.backbone_std,
                     (0, pad_w, 0, pad_h))

    @staticmethod
    def crop_features(feats: Sequence[Tensor], size: Sequence[int],
                      padded_size: Sequence[int]) -> List[Tensor]:
        """Crop the features of a padded image to the unpadded image.

        Args:
            feats (Sequence[Tensor]): Maps ``[B, C_i, h_i, w_i]`` computed
                from a (bottom/right) padded image.
            size (Sequence[int]): Image size ``(H, W)`` before padding.
            padded_size (Sequence[int]): Padded size ``(H_p, W_p)``.

        Returns:
            list[Tensor]: Maps cropped to ``ceil(h_i H / H_p)`` by
            ``ceil(w_i W / W_p)``.
        """
        if tuple(size) == tuple(padded_size):
            return list(feats)
        crops = []
        for feat in feats:
            height = math.ceil(feat.shape[-2] * size[0] / padded_size[0])
            width = math.ceil(feat.shape[-1] * size[1] / padded_size[1])
            crops.append(feat[..., :height, :width])
        return crops

    def guidance_features(
            self, rgb: Tensor) -> Tuple[Optional[Tensor], Optional[Tensor]]:
        """MiT stage-1/2 features of RGB images for the fusion head.

        Only the stages up to the last scale in ``guidance_scales`` run.

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
        feats = mit_stage_features(self.backbone, img, num_stages)
        feats = self.crop_features(feats, rgb.shape[2:], img.shape[2:])
        return tuple(feats[i] if i in self.guidance_scales else None
                     for i in range(2))

    def extract_guidance(
        self, vis_rgb: Tensor, ir: Tensor,
        vis_ycbcr: Tuple[Tensor, Tensor, Tensor]
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
        vis_rgb, ir = self.split_inputs(inputs)
        vis_ycbcr = rgb_to_ycbcr(vis_rgb)
        vis_y, vis_cb, vis_cr = vis_ycbcr
        guidance = self.extract_guidance(vis_rgb, ir, vis_ycbcr)
        fused_y = self.fusion_head(vis_y, ir, guidance)
        fused_rgb = ycbcr_to_rgb(fused_y, vis_cb, vis_cr).clamp(0, 1)
        return fused_y, fused_rgb, vis_y, ir

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
        feats = self.crop_features(
            self.backbone(img), inputs.shape[2:], img.shape[2:])
        return self.neck(feats) if self.with_neck else feats

    # --------------------------------------------------------------- heads
    def _head_loss(self, head: nn.Module, feats: List[Tensor],
                   data_samples: SampleList) -> dict:
        """``head.loss``; through ``forward`` when the head is wrapped.

        ``MMSeparateDistributedDataParallel`` wraps every submodule in DDP,
        and DDP synchronises gradients only of computations run through its
        ``forward``; a wrapped head therefore runs ``head(feats)`` followed
        by ``loss_by_feat`` (what ``BaseDecodeHead.loss`` does).
        """
        if is_model_wrapper(head):
            return head.module.loss_by_feat(head(feats), data_samples)
        return head.loss(feats, data_samples, self.train_cfg)

    def _decode_head_forward_train(self, inputs: List[Tensor],
                                   data_samples: SampleList) -> dict:
        """Decode head losses, prefixed ``decode.``."""
        return add_prefix(
            self._head_loss(self.decode_head, inputs, data_samples), 'decode')

    def _auxiliary_head_forward_train(self, inputs: List[Tensor],
                                      data_samples: SampleList) -> dict:
        """Auxiliary head losses, prefixed ``aux.`` or ``aux_{i}.``."""
        if isinstance(self.auxiliary_head, nn.ModuleList):
            losses = dict()
            for idx, aux_head in enumerate(self.auxiliary_head):
                losses.update(
                    add_prefix(
                        self._head_loss(aux_head, inputs, data_samples),
                        f'aux_{idx}'))
            return losses
        return add_prefix(
            self._head_loss(self.auxiliary_head, inputs, data_samples), 'aux')

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        """Segment fused RGB images; logits at the input size.

        Args:
            inputs (Tensor): Fused RGB images ``[B, 3, H, W]`` in [0, 1].
            batch_img_metas (list[dict]): Meta information of each image.

        Returns:
            Tensor: Logits ``[B, K, H, W]``.
        """
        feats = self.extract_feat(inputs)
        if is_model_wrapper(self.decode_head):
            return self.decode_head.module.predict_by_feat(
                self.decode_head(feats), batch_img_metas)
        return self.decode_head.predict(feats, batch_img_metas, self.test_cfg)

    # ---------------------------------------------------------------- loss
    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses of the active phase.

        Args:
            inputs (Tensor): ``[B, 4, H, W]`` (R, G, B, IR) in [0, 1].
            data_samples (list[:obj:`SegDataSample`]): Samples with
                ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: ``fusion.loss_*`` (fusion/joint phases),
            ``decode.*`` (and ``aux*.``), loss terms weighted by
            ``task_weights`` except in the seg phase, plus (fusion/joint)
            the detached, unweighted sums of the fusion terms
            (``task_fusion``) and of the decode and auxiliary loss terms
            (``task_seg``).
        """
        if self.phase == 'seg':
            with torch.no_grad():
                fused_y, fused_rgb, vis_y, ir = self.fuse(inputs)
        else:
            fused_y, fused_rgb, vis_y, ir = self.fuse(inputs)
        seg_losses = super().loss(fused_rgb, data_samples)
        if self.phase == 'seg':
            return seg_losses

        fusion_losses = self.fusion_loss(fused_y, vis_y, ir)
        bad = [k for k in fusion_losses if not k.startswith('loss_')]
        if bad:
            raise KeyError(
                f'{type(self.fusion_loss).__name__} returned the keys {bad}; '
                'fusion loss keys must start with `loss_`.')
        fusion_weight = self.task_weights['fusion']
        seg_weight = self.task_weights['seg']
        losses = {
            key: fusion_weight * value
            for key, value in add_prefix(fusion_losses, 'fusion').items()
        }
        losses.update({
            key: seg_weight * value if 'loss' in key else value
            for key, value in seg_losses.items()
        })
        losses['task_fusion'] = sum(
            value.mean() for value in fusion_losses.values()).detach()
        losses['task_seg'] = sum(value.mean()
                                 for key, value in seg_losses.items()
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
            ``seg_logits`` and ``pred_fused_img`` (``[3, H, W]`` in [0, 1]).
        """
        if data_samples is not None:
            batch_img_metas = [
                data_sample.metainfo for data_sample in data_samples
            ]
        else:
            batch_img_metas = [
                dict(
                    ori_shape=inputs.shape[2:],
                    img_shape=inputs.shape[2:],
                    pad_shape=inputs.shape[2:],
                    padding_size=[0, 0, 0, 0])
            ] * inputs.shape[0]
        _, fused_rgb, _, _ = self.fuse(inputs)
        seg_logits = self.inference(fused_rgb, batch_img_metas)
        return self.postprocess_result(seg_logits, fused_rgb, data_samples)

    def postprocess_result(self,
                           seg_logits: Tensor,
                           fused_rgb: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """Convert the results to ``SegDataSample`` at the original size.

        Args:
            seg_logits (Tensor): Logits ``[B, K, H, W]`` at the input size.
            fused_rgb (Tensor): Fused images ``[B, 3, H, W]`` in [0, 1].
            data_samples (list[:obj:`SegDataSample`], optional): Samples
                with meta information. Defaults to None (no padding removal
                or resizing).

        Returns:
            list[:obj:`SegDataSample`]: With ``seg_logits``, ``pred_sem_seg``
            and ``pred_fused_img`` (``PixelData``, ``[3, H, W]`` in [0, 1]).
        """
        only_prediction = data_samples is None
        data_samples = super().postprocess_result(seg_logits, data_samples)
        for i, data_sample in enumerate(data_samples):
            fused = fused_rgb[i] if only_prediction else restore_to_original(
                fused_rgb[i:i + 1], data_sample.metainfo, self.align_corners)
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
