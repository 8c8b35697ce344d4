"""Select the input modality of a stock single-stream segmenter."""
import numpy as np

from mmseg.registry import TRANSFORMS
from segmif_mm.datasets.transforms import ConcatInfrared

MODALITIES = ('visible', 'infrared', 'both')


@TRANSFORMS.register_module()
class SelectModality(ConcatInfrared):
    """Turn a loaded visible/infrared pair into one network input.

    Takes the place of ``ConcatInfrared`` in the SegMiF pipelines: after
    ``LoadMultiModalImages``, ``LoadMultiModalAnnotations`` and the
    photometric transforms (which see the visible image only), before the
    geometric transforms, so that a stock MMSeg segmenter is trained with
    exactly the data SegMiF sees.

    * ``'visible'``: the visible R, G, B image, (H, W, 3).
    * ``'infrared'``: the infrared image replicated to three channels,
      (H, W, 3), so that ImageNet-pretrained 3-channel backbones apply.
    * ``'both'``: early fusion, R, G, B, IR as (H, W, 4) (the same array as
      ``ConcatInfrared``).

    Required Keys:

    - img (np.ndarray): visible R, G, B, (H, W, 3)
    - ir (np.ndarray): infrared, (H, W), same dtype and size

    Modified Keys:

    - img (np.ndarray): (H, W, 3) or (H, W, 4), dtype of the visible image
    - img_shape

    Removed Keys:

    - ir

    Args:
        modality (str): ``'visible'``, ``'infrared'`` or ``'both'``.
            Defaults to 'visible'.

    Raises:
        ValueError: Unknown ``modality``, or ``img``/``ir`` not of the shapes
            above (the message names the image file).
    """

    def __init__(self, modality: str = 'visible') -> None:
        if modality not in MODALITIES:
            raise ValueError(f'SelectModality: modality must be one of '
                             f'{MODALITIES}, got {modality!r}.')
        self.modality = modality

    def transform(self, results: dict) -> dict:
        """Replace ``img`` by the selected modality and drop ``ir``.

        Args:
            results (dict): Needs ``img`` (H, W, 3) and ``ir`` (H, W).

        Returns:
            dict: ``img`` of the selected modality, no ``ir``.
        """
        if 'ir' not in results:
            raise ValueError(
                'SelectModality needs the infrared image in results["ir"] '
                f'for {results.get("img_path")}; put it after '
                'LoadMultiModalImages and before any transform that removes '
                '`ir` (e.g. ConcatInfrared, which it replaces).')
        if self.modality == 'both':
            return super().transform(results)
        visible, infrared = self.sources(results)
        img = visible if self.modality == 'visible' else np.repeat(
            infrared[..., None], 3, axis=2)
        results['img'] = np.ascontiguousarray(img)
        results.pop('ir')
        results['img_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(modality={self.modality!r})'
