"""Batching of R, G, B, IR inputs into [0, 1] tensors."""
from numbers import Number
from typing import Any, Dict, List, Optional

from mmseg.models import SegDataPreProcessor
from mmseg.registry import MODELS


@MODELS.register_module()
class MultiModalDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` for stacked visible + infrared inputs.

    Each input is the ``(C, H, W)`` uint8 tensor packed from
    ``ConcatInfrared`` (channels R, G, B, IR). The output ``inputs`` is
    float32 ``(B, C, H, W)`` in [0, 1] (``x / 255``: mean 0, std 255, no
    channel reordering, the loader already gives R, G, B). No further
    normalisation: the fusion network needs [0, 1] images, the segmentor
    normalises its backbone input itself. Padding uses the parent's
    ``size`` / ``size_divisor`` machinery (images with ``pad_val`` in [0, 1]
    units, labels with ``seg_pad_val``).

    Args:
        in_channels (int): Channels every input must have. Defaults to 4.
        size (tuple, optional): Fixed padding size (H, W) in training.
            Defaults to None.
        size_divisor (int, optional): Pad (H, W) in training to multiples of
            it. Defaults to None.
        pad_val (float): Image padding value in [0, 1]. Defaults to 0.
        seg_pad_val (float): Label padding value. Defaults to 255.
        batch_augments (list[dict], optional): Batch augmentations.
            Defaults to None.
        test_cfg (dict, optional): ``size`` / ``size_divisor`` padding at
            test time. Defaults to None.

    Raises:
        ValueError: An input does not have ``in_channels`` channels; the
            message names its ``img_path``.
    """

    def __init__(self,
                 in_channels: int = 4,
                 size: Optional[tuple] = None,
                 size_divisor: Optional[int] = None,
                 pad_val: Number = 0,
                 seg_pad_val: Number = 255,
                 batch_augments: Optional[List[dict]] = None,
                 test_cfg: Optional[dict] = None) -> None:
        super().__init__(
            mean=[0.0] * in_channels,
            std=[255.0] * in_channels,
            size=size,
            size_divisor=size_divisor,
            pad_val=pad_val,
            seg_pad_val=seg_pad_val,
            bgr_to_rgb=False,
            rgb_to_bgr=False,
            batch_augments=batch_augments,
            test_cfg=test_cfg)
        self.in_channels = in_channels

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Check channels, scale to [0, 1], pad and stack.

        Args:
            data (dict): ``inputs`` (list of (C, H, W) tensors) and
                ``data_samples`` from the dataloader.
            training (bool): Whether in training mode.

        Returns:
            dict: ``inputs`` float32 (B, C, H, W) in [0, 1] and
            ``data_samples``.
        """
        samples = data.get('data_samples') or []
        for index, image in enumerate(data['inputs']):
            if image.dim() != 3 or image.shape[0] != self.in_channels:
                path = samples[index].metainfo.get('img_path') \
                    if index < len(samples) else None
                raise ValueError(
                    f'MultiModalDataPreProcessor expects {self.in_channels}-'
                    f'channel (C, H, W) inputs (R, G, B, IR), got shape '
                    f'{tuple(image.shape)} for {path}. Put ConcatInfrared '
                    'in the pipeline after LoadMultiModalImages, or set '
                    '`in_channels` to match the data.')
        return super().forward(data, training)
