"""Fusion-quality metrics of predicted fused images against their sources."""
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable
from torch import Tensor

from segmif_mm.datasets.transforms import LoadMultiModalImages
from ..functional import FUSION_METRICS, fusion_metrics, rgb_to_gray, to_uint8


def load_grey_sources(loader: LoadMultiModalImages, img_path: str,
                      ir_path: str) -> Tuple[Tensor, Tensor]:
    """The two sources of a pair as the fusion metrics take them.

    Args:
        loader (LoadMultiModalImages): Loader with the dataset's infrared
            rule (16-bit, 3-channel, packed MFNet images).
        img_path (str): Visible image (B).
        ir_path (str): Infrared image (A).

    Returns:
        tuple[Tensor, Tensor]: uint8 ``[H, W]`` infrared and visible (grey
        by MATLAB's ``rgb2gray``) images, on the CPU.
    """
    results = loader(dict(img_path=img_path, ir_path=ir_path))
    visible = torch.from_numpy(results['img']).permute(2, 0, 1)
    return torch.from_numpy(results['ir']), rgb_to_gray(visible)


def fusion_quality_table(means: Mapping[str, float],
                         num_images: int) -> PrettyTable:
    """Table of the mean of each metric of ``FUSION_METRICS`` with its unit.

    Args:
        means (Mapping[str, float]): Mean value per metric name.
        num_images (int): Images the means are over.

    Returns:
        PrettyTable: One row per metric.
    """
    table = PrettyTable(field_names=['Metric', 'Mean', 'Unit'])
    table.title = (f'Fusion quality, mean of {num_images} images '
                   '(MATLAB-suite conventions)')
    table.align['Metric'] = table.align['Unit'] = 'l'
    for name, unit in FUSION_METRICS.items():
        table.add_row([name, f'{means[name]:.4f}', unit])
    return table


@METRICS.register_module()
class FusionQualityMetric(BaseMetric):
    """EN, SD, SF, AG, MI, SCD, VIF, Qabf, SSIM, CC, MSE and PSNR.

    The fused image F (``pred_fused_img``, ``[3, H, W]`` R, G, B float in
    [0, 1] at the original image size, as ``SegMiF.predict`` returns it) is
    quantised to uint8 as ``round(clip(F, 0, 1) * 255)`` and converted to
    grey with MATLAB's ``rgb2gray`` rule. The sources are read again at
    their original size from the sample's ``img_path`` (visible, B) and
    ``ir_path`` (infrared, A) with :class:`LoadMultiModalImages` (so 16-bit,
    3-channel and packed MFNet infrared images follow the dataset's loading
    rule), and the visible image is converted to grey the same way. The
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
        uint16_rule (str): How 16-bit infrared images become 8-bit, see
            :class:`LoadMultiModalImages`; use the dataset pipeline's value.
            Defaults to 'minmax'.
        uint16_shift (int): Shift of the 'shift' rule. Defaults to 8.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.
        collect_device (str): Device used to collect results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None.
    """

    def __init__(self,
                 mi_joint_quirk: bool = True,
                 uint16_rule: str = 'minmax',
                 uint16_shift: int = 8,
                 backend_args: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.mi_joint_quirk = mi_joint_quirk
        self.loader = LoadMultiModalImages(
            uint16_rule=uint16_rule,
            uint16_shift=uint16_shift,
            backend_args=backend_args)

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
            data_batch (dict): A batch of data from the dataloader (unused).
            data_samples (Sequence[dict]): Model outputs with
                ``pred_fused_img``, ``img_path`` and ``ir_path``.
        """
        for data_sample in data_samples:
            fused = self._fused_grey(data_sample)
            infrared, visible = (
                image.to(fused.device) for image in load_grey_sources(
                    self.loader, data_sample['img_path'],
                    data_sample['ir_path']))
            if fused.shape != infrared.shape:
                raise ValueError(
                    f'The fused image of {data_sample["img_path"]} is '
                    f'{fused.shape[0]}x{fused.shape[1]} (HxW) but the '
                    f'source images are {infrared.shape[0]}x'
                    f'{infrared.shape[1]}; fusion metrics compare images '
                    'at the original size, so `pred_fused_img` must be '
                    'resized back (SegMiF.postprocess_result does this).')
            values = fusion_metrics(
                fused, infrared, visible, mi_joint_quirk=self.mi_joint_quirk)
            self.results.append(tuple(values[name]
                                      for name in FUSION_METRICS))

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
        table = fusion_quality_table(metrics, len(results))
        print_log('\n' + table.get_string(), logger=logger)
        return metrics
