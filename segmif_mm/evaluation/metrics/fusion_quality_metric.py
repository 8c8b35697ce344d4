"""Fusion-quality metrics of predicted fused images against their sources."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from torch import Tensor

from mmseg.registry import METRICS
from segmif_mm.utils import to_uint8
from ..functional import (FUSION_METRICS, fusion_metrics, fusion_metrics_table,
                          grey_sources, rgb_to_gray)


@METRICS.register_module()
class FusionQualityMetric(BaseMetric):
    """EN, SD, SF, AG, MI, SCD, VIF, Qabf, SSIM, CC, MSE and PSNR.

    The fused image F (``pred_fused_img``, ``[3, H, W]`` R, G, B float in
    [0, 1] at the original image size, as ``SegMiF.predict`` returns it) is
    quantised to uint8 as ``round(clip(F, 0, 1) * 255)`` and converted to
    grey with MATLAB's ``rgb2gray`` rule. The sources come from the batch
    itself (``data_batch['inputs']``: the uint8 R, G, B, IR images the test
    pipeline loaded, so 16-bit, 3-channel and packed MFNet infrared images
    follow the dataset's loading rule); the visible image is converted to
    grey the same way. The test pipeline must keep the original size (no
    ``Resize``), which SegMiF's full-resolution fusion needs anyway. The
    metrics follow the MATLAB suite of the fusion literature (see
    :func:`segmif_mm.evaluation.functional.fusion_metrics`): MI, VIF and
    SSIM are sums over the two sources, PSNR is the suite's value and
    ``PSNR_textbook`` the peak-1 value. Each metric is averaged over the
    images.

    Example:
        >>> val_evaluator = [
        ...     dict(type='MultiProtocolIoUMetric', iou_metrics=['mIoU']),
        ...     dict(type='FusionQualityMetric')]

    Args:
        mi_joint_quirk (bool): Merge grey levels 254 and 255 in MI's joint
            histograms as the MATLAB suite does. Defaults to True.
        collect_device (str): Device used to collect results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None.
    """

    def __init__(self,
                 mi_joint_quirk: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.mi_joint_quirk = mi_joint_quirk

    def _fused_grey(self, data_sample: dict) -> Tensor:
        """uint8 grey ``[H, W]`` fused image of one sample."""
        if 'pred_fused_img' not in data_sample:
            raise KeyError(
                f'Sample {data_sample.get("img_path")} has no '
                '`pred_fused_img`; FusionQualityMetric needs a model that '
                'returns fused images (SegMiF.predict adds it next to '
                '`pred_sem_seg`).')
        fused = data_sample['pred_fused_img']['data']
        if fused.dim() != 3 or fused.shape[0] not in (1, 3):
            raise ValueError(
                f'`pred_fused_img` of {data_sample.get("img_path")} has '
                f'shape {tuple(fused.shape)}; expected [3, H, W] (R, G, B) '
                'or [1, H, W] (grey) in [0, 1].')
        fused = to_uint8(fused)
        return rgb_to_gray(fused) if fused.shape[0] == 3 else fused[0]

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Compute the metrics of each sample of a batch.

        Args:
            data_batch (dict): The batch from the dataloader, whose
                ``inputs`` hold the uint8 ``[4, H, W]`` sources.
            data_samples (Sequence[dict]): Model outputs with
                ``pred_fused_img``.
        """
        inputs = (data_batch or {}).get('inputs')
        if inputs is None or len(inputs) != len(data_samples):
            raise ValueError(
                'FusionQualityMetric reads the source images from '
                "data_batch['inputs'] (one per sample), got "
                f'{"none" if inputs is None else len(inputs)} for '
                f'{len(data_samples)} samples; evaluate with the data '
                'batches (runner.val/test loops do).')
        for sources, data_sample in zip(inputs, data_samples):
            fused = self._fused_grey(data_sample)
            infrared, visible = (
                image.to(fused.device) for image in grey_sources(sources))
            if fused.shape != infrared.shape:
                raise ValueError(
                    f'The fused image of {data_sample.get("img_path")} is '
                    f'{fused.shape[0]}x{fused.shape[1]} (HxW) but its '
                    f'sources in the batch are {infrared.shape[0]}x'
                    f'{infrared.shape[1]}; the fusion metrics compare '
                    'images at the original size, so remove Resize from '
                    'the test pipeline (SegMiF fuses at full resolution).')
            values = fusion_metrics(
                fused, infrared, visible, mi_joint_quirk=self.mi_joint_quirk)
            self.results.append(tuple(values[name] for name in FUSION_METRICS))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Average the per-image metrics and print them as a table.

        Args:
            results (list): One tuple of metric values per image, in the
                order of ``FUSION_METRICS``.

        Returns:
            dict[str, float]: Mean of each metric over the images.
        """
        logger: MMLogger = MMLogger.get_current_instance()
        means = np.mean(np.asarray(results, dtype=np.float64), axis=0)
        metrics = {
            name: float(value)
            for name, value in zip(FUSION_METRICS, means)
        }
        table = fusion_metrics_table(metrics, len(results))
        print_log('\n' + table.get_string(), logger=logger)
        return metrics
