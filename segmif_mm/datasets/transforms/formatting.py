"""Formatting of the two modalities into one image array, and packing."""
from typing import Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData

from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ConcatInfrared(BaseTransform):
    """Append the infrared image to the visible image as a 4th channel.

    Put it after the photometric transforms, which must see the visible
    image only, and before the geometric transforms (``RandomResize``,
    ``RandomCrop``, ``RandomFlip``, ``Pad``), so that mmseg's stock
    transforms move visible, infrared and label together.

    Required Keys:

    - img (np.ndarray): visible R, G, B, (H, W, 3)
    - ir (np.ndarray): infrared, (H, W)

    Modified Keys:

    - img (np.ndarray): R, G, B, IR, (H, W, 4), dtype of the visible image
    - img_shape

    Removed Keys:

    - ir

    Raises:
        ValueError: ``img`` is not (H, W, 3) or ``ir`` not (H, W).
    """

    def sources(self, results: dict) -> Tuple[np.ndarray, np.ndarray]:
        """The checked visible and infrared images of ``results``.

        Args:
            results (dict): Needs ``img`` (H, W, 3) and ``ir`` (H, W).

        Returns:
            tuple[np.ndarray, np.ndarray]: ``img`` and ``ir``, the latter
            cast to the visible image's dtype.
        """
        name = type(self).__name__
        visible, infrared = results['img'], results['ir']
        if visible.ndim != 3 or visible.shape[2] != 3 or \
                infrared.shape != visible.shape[:2]:
            raise ValueError(
                f'{name} needs img (H, W, 3) and ir (H, W) of the same size, '
                f'got {visible.shape} and {infrared.shape} for '
                f'{results.get("img_path")}. Put {name} right after '
                'LoadMultiModalImages/LoadMultiModalAnnotations and the '
                'photometric transforms, before any geometric transform.')
        return visible, infrared.astype(visible.dtype)

    def transform(self, results: dict) -> dict:
        """Concatenate visible and infrared.

        Args:
            results (dict): Needs ``img`` and ``ir``.

        Returns:
            dict: ``img`` of shape (H, W, 4), no ``ir``.
        """
        visible, infrared = self.sources(results)
        results['img'] = np.concatenate([visible, infrared[..., None]], axis=2)
        results.pop('ir')
        results['img_shape'] = results['img'].shape[:2]
        return results


@TRANSFORMS.register_module()
class PackFusionSegInputs(PackSegInputs):
    """:class:`PackSegInputs` that also packs the fusion loss's saliency maps.

    ``gt_saliency`` (from :class:`GenerateSaliencyMaps`, moved by the
    geometric transforms) becomes the data sample's ``gt_saliency``
    (``PixelData``, float32 ``[2, H, W]``: S_vis, S_ir). Without it this is
    exactly :class:`PackSegInputs`.

    Args:
        meta_keys (Sequence[str]): As :class:`PackSegInputs`.
    """

    def transform(self, results: dict) -> dict:
        """Pack inputs, labels, saliency maps and meta information.

        Args:
            results (dict): Result dict from the pipeline.

        Returns:
            dict: ``inputs`` and ``data_samples``.
        """
        packed = super().transform(results)
        if 'gt_saliency' in results:
            saliency = np.ascontiguousarray(
                results['gt_saliency'].transpose(2, 0, 1), dtype=np.float32)
            packed['data_samples'].set_data(
                dict(gt_saliency=PixelData(data=torch.from_numpy(saliency))))
        return packed
