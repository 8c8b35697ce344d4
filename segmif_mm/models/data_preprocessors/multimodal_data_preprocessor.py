"""Batching of R, G, B, IR inputs."""
from numbers import Number
from typing import Any, Dict, List, Optional, Sequence

from mmengine.logging import print_log

from mmseg.models import SegDataPreProcessor
from mmseg.registry import MODELS


@MODELS.register_module()
class MultiModalDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` for stacked visible + infrared inputs.

    Each input is the ``(C, H, W)`` uint8 tensor packed from
    ``ConcatInfrared`` (channels R, G, B, IR). It takes the arguments of
    ``SegDataPreProcessor``, so that its ``type`` can replace that of a
    stock MMSeg config, which then keeps its ``mean``, ``std``, ``size``...:

    * ``mean=None, std=None`` (SegMiF): float32 in [0, 1] (``x / 255``).
      SegMiF's fusion network needs [0, 1] images; it normalises its
      backbone input itself.
    * ``C`` values each: ``(x - mean) / std`` per channel, e.g. ImageNet's
      R, G, B statistics and an infrared mean/std:
      ``mean=[123.675, 116.28, 103.53, 114.495]``,
      ``std=[58.395, 57.12, 57.375, 57.63]``.
    * three values with ``in_channels=4`` (a stock base's ImageNet
      statistics): the infrared channel gets the mean of the three means
      and of the three stds (114.495 and 57.63 for ImageNet's), logged
      once.

    The loaders deliver R, G, B (``LoadMultiModalImages`` converts
    OpenCV's B, G, R), which is what ``bgr_to_rgb=True`` asks for in stock
    configs: it is accepted and swaps nothing. ``rgb_to_bgr=True`` reverses
    the three visible channels (the infrared stays last) before
    normalisation, so ``mean``/``std`` are then given as B, G, R, IR.
    Padding uses the parent's ``size`` / ``size_divisor`` machinery, after
    normalisation (``pad_val`` in the normalised units), labels with
    ``seg_pad_val``.

    Args:
        mean (Sequence[Number], optional): Per-channel mean, ``in_channels``
            or three values. Defaults to None ([0, 1] output).
        std (Sequence[Number], optional): Per-channel std, as ``mean``.
            Defaults to None.
        in_channels (int): Channels every input must have. Defaults to 4.
        size (tuple, optional): Fixed padding size (H, W) in training.
            Defaults to None.
        size_divisor (int, optional): Pad (H, W) in training to multiples of
            it. Defaults to None.
        pad_val (float): Image padding value. Defaults to 0.
        seg_pad_val (float): Label padding value. Defaults to 255.
        bgr_to_rgb (bool): Accepted from stock configs; the inputs are
            already R, G, B. Defaults to False.
        rgb_to_bgr (bool): Reverse the visible channels to B, G, R.
            Defaults to False.
        batch_augments (list[dict], optional): Batch augmentations.
            Defaults to None.
        test_cfg (dict, optional): ``size`` / ``size_divisor`` padding at
            test time. Defaults to None.

    Raises:
        ValueError: ``mean``/``std`` of another length, only one of them,
            both channel flags, or (in ``forward``) an input without
            ``in_channels`` channels; the message names its ``img_path``.
    """

    def __init__(self,
                 mean: Optional[Sequence[Number]] = None,
                 std: Optional[Sequence[Number]] = None,
                 in_channels: int = 4,
                 size: Optional[tuple] = None,
                 size_divisor: Optional[int] = None,
                 pad_val: Number = 0,
                 seg_pad_val: Number = 255,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 batch_augments: Optional[List[dict]] = None,
                 test_cfg: Optional[dict] = None) -> None:
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError('MultiModalDataPreProcessor: set at most one of '
                             'bgr_to_rgb and rgb_to_bgr.')
        self.normalizes = mean is not None or std is not None
        if self.normalizes:
            mean = self.per_channel(mean, 'mean', in_channels)
            std = self.per_channel(std, 'std', in_channels)
        else:
            mean, std = [0.0] * in_channels, [255.0] * in_channels
        super().__init__(
            mean=mean,
            std=std,
            size=size,
            size_divisor=size_divisor,
            pad_val=pad_val,
            seg_pad_val=seg_pad_val,
            batch_augments=batch_augments,
            test_cfg=test_cfg)
        self.in_channels = in_channels
        self.rgb_to_bgr = rgb_to_bgr

    @staticmethod
    def per_channel(values: Optional[Sequence[Number]], name: str,
                    in_channels: int) -> List[float]:
        """``in_channels`` values of ``mean`` or ``std``.

        Three values for four channels are extended by their mean for the
        infrared channel.
        """
        example = ('mean=[123.675, 116.28, 103.53, 114.495], '
                   'std=[58.395, 57.12, 57.375, 57.63]')
        if values is None:
            raise ValueError(
                f'MultiModalDataPreProcessor got only one of mean and std; '
                f'give both ({example} for ImageNet R, G, B + infrared) or '
                'neither (mean=None, std=None: [0, 1] inputs, for SegMiF).')
        values = [float(value) for value in values]
        if len(values) == 3 and in_channels == 4:
            values.append(sum(values) / 3)
            print_log(
                f'MultiModalDataPreProcessor: {name} has three (R, G, B) '
                f'values; the infrared channel uses their mean, '
                f'{values[3]:g}. Give four values to choose it.',
                logger='current')
        if len(values) != in_channels:
            raise ValueError(
                f'MultiModalDataPreProcessor: {name} needs {in_channels} '
                f'values (one per input channel, R, G, B, IR), got '
                f'{len(values)}: e.g. {example}.')
        return values

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Check channels, reorder, normalise, pad and stack.

        Args:
            data (dict): ``inputs`` (list of (C, H, W) tensors) and
                ``data_samples`` from the dataloader.
            training (bool): Whether in training mode.

        Returns:
            dict: ``inputs`` float32 (B, C, H, W) and ``data_samples``.
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
        if self.rgb_to_bgr:
            order = [2, 1, 0, *range(3, self.in_channels)]
            data = dict(
                data, inputs=[image[order] for image in data['inputs']])
        return super().forward(data, training)
