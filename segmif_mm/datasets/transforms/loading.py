"""Loading of registered visible/infrared pairs and validated labels."""
from typing import Optional, Tuple

import cv2
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadMultiModalImages(BaseTransform):
    """Load a visible image and its registered infrared image.

    Channel rules (files are decoded by OpenCV, unchanged):

    * visible: 3 channels are converted from OpenCV's B, G, R to R, G, B; a
      single-channel (grey) visible image becomes 3 equal channels, so the
      visible image is always R, G, B.
    * infrared: single-channel images are used as they are; a 3-channel
      image whose channels are all equal (a grey image saved as colour)
      gives that channel; a 3-channel image with different channels (e.g. a
      false-colour render) is converted to grey with ITU-R BT.601 weights
      ``0.299 R + 0.587 G + 0.114 B`` (``cv2.COLOR_BGR2GRAY``).
    * packed: when ``ir_path == img_path`` the file is one 4-channel image
      whose channels are R, G, B, thermal (the original MFNet release).
      OpenCV returns such a PNG as B, G, R, A, i.e. thermal is channel 3.
    * bit depth: uint8 is kept. uint16 images (e.g. raw 14/16-bit
      radiometric thermal) are scaled to uint8 by ``uint16_rule``:
      ``'minmax'`` (default) stretches each image's own range,
      ``round((x - min) * 255 / (max - min))`` (an image with a single
      value becomes 0); ``'shift'`` keeps absolute temperatures comparable
      across images, ``min(x >> uint16_shift, 255)``. Any other dtype is
      rejected.

    Required Keys:

    - img_path
    - ir_path

    Added Keys:

    - img (np.ndarray): visible image, R, G, B, uint8, (H, W, 3)
    - ir (np.ndarray): infrared image, uint8, (H, W)
    - img_shape (tuple[int, int]): (H, W)
    - ori_shape (tuple[int, int]): (H, W)

    Args:
        uint16_rule (str): ``'minmax'`` or ``'shift'``, see above. Defaults
            to 'minmax'.
        uint16_shift (int): Right shift of the ``'shift'`` rule, e.g. 8 for
            full-range 16-bit data, 6 for 14-bit data. Defaults to 8.
        backend_args (dict, optional): Arguments of the mmengine file
            backend. Defaults to None.

    Raises:
        FileNotFoundError: A file does not exist.
        OSError: A file cannot be decoded.
        ValueError: Wrong channel count or the two images differ in size.
        TypeError: Unsupported pixel dtype.
    """

    def __init__(self,
                 uint16_rule: str = 'minmax',
                 uint16_shift: int = 8,
                 backend_args: Optional[dict] = None) -> None:
        if uint16_rule not in ('minmax', 'shift'):
            raise ValueError(
                "LoadMultiModalImages: uint16_rule must be 'minmax' or "
                f"'shift', got {uint16_rule!r}.")
        if not 0 <= uint16_shift <= 8:
            raise ValueError('LoadMultiModalImages: uint16_shift must be in '
                             f'0..8, got {uint16_shift}.')
        self.uint16_rule = uint16_rule
        self.uint16_shift = uint16_shift
        self.backend_args = backend_args.copy() if backend_args else None

    def _read(self, path: str, kind: str, key: str) -> np.ndarray:
        """Decode one file unchanged (bit depth and channels kept)."""
        try:
            data = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f'{kind} image {path} does not exist. Check `data_root`, '
                f'`data_prefix.{key}` and the suffixes of the dataset, and '
                'that the split file only lists existing samples.') from err
        image = mmcv.imfrombytes(data, flag='unchanged', backend='cv2')
        if image is None:
            raise OSError(
                f'{kind} image {path} cannot be decoded (corrupt or not an '
                'image). Re-export it as PNG, JPEG or TIFF.')
        return image

    def _to_uint8(self, image: np.ndarray, path: str) -> np.ndarray:
        """Apply the bit-depth rule."""
        if image.dtype == np.uint8:
            return image
        if image.dtype != np.uint16:
            raise TypeError(
                f'{path} has pixel type {image.dtype}; LoadMultiModalImages '
                'reads 8-bit and 16-bit images only. Convert it to 8 or 16 '
                'bit.')
        if self.uint16_rule == 'shift':
            return np.minimum(image >> self.uint16_shift, 255).astype(np.uint8)
        low, high = int(image.min()), int(image.max())
        if high == low:
            return np.zeros(image.shape, np.uint8)
        scaled = (image.astype(np.float32) - low) * (255.0 / (high - low))
        return np.rint(scaled).astype(np.uint8)

    def _split_packed(self, image: np.ndarray,
                      path: str) -> Tuple[np.ndarray, np.ndarray]:
        """Split a packed R, G, B, thermal image (decoded B, G, R, A)."""
        if image.ndim != 3 or image.shape[2] != 4:
            channels = 1 if image.ndim == 2 else image.shape[2]
            raise ValueError(
                f'{path} is used as both visible and infrared image '
                '(ir_path == img_path), so it must be a packed 4-channel '
                f'R, G, B, thermal image, but it has {channels} channel(s). '
                'Give the infrared images their own folder '
                '(data_prefix.ir_path) or suffix.')
        visible = self._to_uint8(np.ascontiguousarray(image[..., 2::-1]), path)
        thermal = self._to_uint8(np.ascontiguousarray(image[..., 3]), path)
        return visible, thermal

    def _visible(self, image: np.ndarray, path: str) -> np.ndarray:
        """Visible image as R, G, B."""
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[..., 0]
        image = self._to_uint8(image, path)
        if image.ndim == 2:
            return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        if image.shape[2] == 3:
            return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        raise ValueError(
            f'Visible image {path} has {image.shape[2]} channels; expected '
            '1 (grey) or 3 (colour). A 4-channel R, G, B, thermal frame '
            '(original MFNet release) must be read with ir_path == img_path '
            '(MFNetPackedDataset); drop the alpha channel of an RGBA image.')

    def _infrared(self, image: np.ndarray, path: str) -> np.ndarray:
        """Infrared image as one channel."""
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[..., 0]
        if image.ndim == 3 and image.shape[2] == 3:
            if (image[..., 0] == image[..., 1]).all() and \
                    (image[..., 1] == image[..., 2]).all():
                image = image[..., 0]
            else:
                image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        if image.ndim != 2:
            raise ValueError(
                f'Infrared image {path} has {image.shape[2]} channels; '
                'expected 1 or 3 (grey stored as colour). A packed 4-channel '
                'R, G, B, thermal frame must be read with ir_path == '
                'img_path (MFNetPackedDataset).')
        return np.ascontiguousarray(self._to_uint8(image, path))

    def transform(self, results: dict) -> dict:
        """Load both modalities.

        Args:
            results (dict): Needs ``img_path`` and ``ir_path``.

        Returns:
            dict: With ``img``, ``ir``, ``img_shape`` and ``ori_shape``.
        """
        img_path, ir_path = results['img_path'], results['ir_path']
        image = self._read(img_path, 'Visible', 'img_path')
        if ir_path == img_path:
            visible, infrared = self._split_packed(image, img_path)
        else:
            visible = self._visible(image, img_path)
            infrared = self._infrared(
                self._read(ir_path, 'Infrared', 'ir_path'), ir_path)
        return self._pack(results, visible, infrared, img_path, ir_path)

    @staticmethod
    def _pack(results: dict, visible: np.ndarray, infrared: np.ndarray,
              vis_name: str, ir_name: str) -> dict:
        """Check that the pair is registered and store it in ``results``."""
        if infrared.shape != visible.shape[:2]:
            raise ValueError(
                f'Infrared image {ir_name} is {infrared.shape[0]}x'
                f'{infrared.shape[1]} (HxW) but visible image {vis_name} is '
                f'{visible.shape[0]}x{visible.shape[1]}. The pair must be '
                'registered pixel to pixel at the same size; resize or crop '
                'it offline (the loader never resizes one modality).')
        results['img'] = visible
        results['ir'] = infrared
        results['img_shape'] = visible.shape[:2]
        results['ori_shape'] = visible.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f"uint16_rule='{self.uint16_rule}', "
                f'uint16_shift={self.uint16_shift}, '
                f'backend_args={self.backend_args})')


@TRANSFORMS.register_module()
class LoadMultiModalImagesFromNDArray(LoadMultiModalImages):
    """Load a pair given as arrays (or, per modality, as a file path).

    Like mmcv's ``LoadImageFromNDArray``: ``results['img']`` (visible) and
    ``results['ir']`` (infrared) hold decoded images, as ``cv2.imread``
    returns them (colour as B, G, R), and go through the same channel and
    bit-depth rules as files (see :class:`LoadMultiModalImages`). A modality
    without an array is read from ``img_path`` / ``ir_path``. Used by
    :func:`segmif_mm.apis.inference_model`.

    Required Keys:

    - img (np.ndarray) or img_path (str)
    - ir (np.ndarray) or ir_path (str)
    - img_path / ir_path (str, optional): names used in error messages
      when arrays are given

    Modified Keys:

    - img (np.ndarray): visible image, R, G, B, uint8, (H, W, 3)
    - ir (np.ndarray): infrared image, uint8, (H, W)

    Added Keys:

    - img_shape (tuple[int, int]): (H, W)
    - ori_shape (tuple[int, int]): (H, W)
    """

    def transform(self, results: dict) -> dict:
        """Convert (or load) both modalities.

        Args:
            results (dict): With ``img``/``img_path`` and ``ir``/``ir_path``.

        Returns:
            dict: With ``img``, ``ir``, ``img_shape`` and ``ori_shape``.
        """
        if results.get('img') is None and results.get('ir') is None:
            return super().transform(results)
        vis_name = results.get('img_path') or 'visible array'
        ir_name = results.get('ir_path') or 'infrared array'
        visible = results.get('img')
        if visible is None:
            visible = self._read(vis_name, 'Visible', 'img_path')
        infrared = results.get('ir')
        if infrared is None:
            infrared = self._read(ir_name, 'Infrared', 'ir_path')
        visible = self._visible(np.ascontiguousarray(visible), vis_name)
        infrared = self._infrared(np.ascontiguousarray(infrared), ir_name)
        return self._pack(results, visible, infrared, vis_name, ir_name)


@TRANSFORMS.register_module()
class LoadMultiModalAnnotations(LoadAnnotations):
    """mmseg ``LoadAnnotations`` that checks the loaded class ids.

    After ``reduce_zero_label`` and ``label_map`` (both as in mmseg), every
    id must be below ``results['num_classes']`` (set by
    :class:`MultiModalSegDataset`) or equal 255 (ignore), the label must be
    single-channel and as large as the image. Otherwise an error names the
    file, lists the offending ids and says how to fix the config.

    Required Keys:

    - seg_map_path
    - num_classes
    - reduce_zero_label
    - label_map (optional)
    - ori_shape (optional, checked against the label size)

    Added Keys:

    - gt_seg_map (np.ndarray): uint8 (H, W) class ids
    - seg_fields

    Args:
        **kwargs: Arguments of :class:`mmseg.datasets.transforms.
            LoadAnnotations` (``reduce_zero_label``, ``backend_args``,
            ``imdecode_backend``).

    Raises:
        FileNotFoundError: The label file does not exist.
        OSError: The label file cannot be decoded.
        KeyError: ``num_classes`` is not in the results.
        ValueError: Bad ids, channel count or size.
    """

    def _load_seg_map(self, results: dict) -> None:
        """Load the label map and validate it.

        Args:
            results (dict): Result dict of the dataset.
        """
        path = results['seg_map_path']
        if 'num_classes' not in results:
            raise KeyError(
                f'LoadMultiModalAnnotations needs `num_classes` to check '
                f'{path}; use a MultiModalSegDataset (or subclass), which '
                'adds it to every sample.')
        if not fileio.exists(path, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'Label file {path} does not exist. Check `data_root`, '
                '`data_prefix.seg_map_path` and `seg_map_suffix` of the '
                'dataset; for unlabelled data drop `seg_map_path` from '
                '`data_prefix` and LoadMultiModalAnnotations from the '
                'pipeline.')
        try:
            super()._load_seg_map(results)
        except (OSError, ValueError) as err:
            raise OSError(
                f'Label file {path} cannot be decoded ({err}). Re-export it '
                'as a single-channel 8-bit PNG of class ids.') from err
        label = results['gt_seg_map']
        if label.ndim != 2:
            raise ValueError(
                f'Label file {path} has {label.shape[2]} channels; labels '
                'must be single-channel class ids (not colour-coded labels, '
                "e.g. not FMB's color/ folder).")
        if 'ori_shape' in results and \
                tuple(label.shape) != tuple(results['ori_shape'][:2]):
            raise ValueError(
                f'Label file {path} is {label.shape[0]}x{label.shape[1]} '
                f'(HxW) but image {results.get("img_path")} is '
                f'{results["ori_shape"][0]}x{results["ori_shape"][1]}; they '
                'must have the same size.')
        num_classes = results['num_classes']
        ids = np.unique(label)
        bad = ids[(ids >= num_classes) & (ids != 255)]
        if bad.size:
            raise ValueError(
                f'Label file {path} contains class ids {bad.tolist()} outside '
                f'the dataset\'s {num_classes} classes (valid: 0-'
                f'{num_classes - 1} and 255 = ignore). Map stored values to '
                'class ids with the dataset\'s `label_map` (e.g. '
                '`label_map={255: 1}` for a binary 0/255 mask), set '
                '`reduce_zero_label=True` if ids start at 1 with 0 = '
                'unlabeled, or list all classes in `metainfo`.')
