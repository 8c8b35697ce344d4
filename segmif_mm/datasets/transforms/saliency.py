"""Whole-image saliency maps of the two sources, the fusion loss's weights."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmseg.registry import TRANSFORMS
from segmif_mm.models.losses.vsm import visual_saliency_map
from segmif_mm.models.utils import rgb_to_ycbcr


@TRANSFORMS.register_module()
class GenerateSaliencyMaps(BaseTransform):
    """Visual saliency maps (VSM) of the visible luminance and the infrared
    image, computed once per whole image.

    The VSM of Ma et al. (2017) scores every grey level by its distance to
    all pixels of the image (:func:`~segmif_mm.models.losses.vsm.
    visual_saliency_map`), so it depends on the whole image's histogram: a
    training crop has another histogram and would get other weights. This
    transform computes both maps on the whole image, before any geometric
    transform, and stores them as a segmentation field, so that mmseg's
    stock ``RandomResize``, ``RandomCrop`` and ``RandomFlip`` move them with
    the image (nearest-neighbour resizing, as for labels).
    :class:`~segmif_mm.models.losses.SaliencyPixelLoss` turns them into the
    weights m1, m2 by its ``weight_rule``.

    The visible luminance is the model's own, full-range BT.601 Y of the
    [0, 1] image (:func:`~segmif_mm.models.utils.rgb_to_ycbcr`), so on a
    whole image the maps equal those the loss would compute from the
    batch. Put this transform after the photometric transforms (the maps
    describe the images the network sees) and before ``ConcatInfrared``;
    pack with :class:`PackFusionSegInputs`.

    Transforms that fill new pixels of segmentation fields with
    ``seg_pad_val`` (255, e.g. ``RandomRotate``) mark them in the maps as
    well; the loss gives such pixels equal weights (m1 = m2 = 0.5).

    Required Keys:

    - img (np.ndarray): visible R, G, B, uint8, (H, W, 3)
    - ir (np.ndarray): infrared, uint8, (H, W)

    Added Keys:

    - gt_saliency (np.ndarray): float32 (H, W, 2) in [0, 1], channel 0 the
      visible saliency S_vis, channel 1 the infrared saliency S_ir
    - seg_fields (list[str]): ``'gt_saliency'`` appended

    Raises:
        ValueError: ``img`` is not uint8 (H, W, 3) or ``ir`` not uint8
            (H, W) of the same size.
    """

    def transform(self, results: dict) -> dict:
        """Add ``gt_saliency``.

        Args:
            results (dict): Needs ``img`` and ``ir`` (see above).

        Returns:
            dict: With ``gt_saliency`` and ``seg_fields`` updated.
        """
        visible, infrared = results.get('img'), results.get('ir')
        name = type(self).__name__
        if visible is None or infrared is None or visible.ndim != 3 or \
                visible.shape[2] != 3 or infrared.shape != visible.shape[:2] \
                or visible.dtype != np.uint8 or infrared.dtype != np.uint8:
            raise ValueError(
                f'{name} needs img (uint8 H x W x 3, visible) and ir (uint8 '
                f'H x W, infrared) of one size, got '
                f'{getattr(visible, "shape", None)} and '
                f'{getattr(infrared, "shape", None)} for '
                f'{results.get("img_path")}. Put {name} after '
                'LoadMultiModalImages and the photometric transforms, before '
                'ConcatInfrared.')
        rgb = torch.from_numpy(np.ascontiguousarray(visible)).permute(
            2, 0, 1)[None].float() / 255
        ir = torch.from_numpy(np.ascontiguousarray(infrared))[None,
                                                              None].float()
        vis_y = rgb_to_ycbcr(rgb)[0]
        saliency = torch.cat(
            [visual_saliency_map(vis_y),
             visual_saliency_map(ir / 255)], dim=1)
        results['gt_saliency'] = saliency[0].permute(1, 2, 0).numpy()
        results['seg_fields'] = [*results.get('seg_fields', []), 'gt_saliency']
        return results
