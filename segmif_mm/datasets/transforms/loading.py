"""Loading of registered visible/infrared pairs and validated labels."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS
from .image_files import (NonFiniteImageError, UnsupportedPixelTypeError,
                          decode_image, read_image_bytes)


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

    Bit-depth rules (every output is uint8):

    * uint8 is kept.
    * 16-bit infrared (e.g. raw 14/16-bit radiometric thermal), by
      ``uint16_rule``: ``'minmax'`` (default) stretches each image's own
      range, ``round((x - min) * 255 / (max - min))`` (an image with a
      single value becomes 0); ``'shift'`` keeps absolute temperatures
      comparable across images, ``min(x >> uint16_shift, 255)``.
    * floating-point infrared (radiometric exports storing temperatures in
      Kelvin or °C, float32/float64 TIFF), by ``float_rule``: ``'minmax'``
      (default) as above, ``round((x - min) * 255 / (max - min))``;
      ``'range'`` maps a stated temperature range ``float_range=(low,
      high)`` to 0-255 in every image, ``round(clip((x - low) / (high -
      low), 0, 1) * 255)``. The default is min-max because a float file
      does not say its unit (Kelvin, °C or normalised 0-1), so only a
      per-image stretch works for every export without configuration (and
      the 16-bit default is the same); when the unit is known, ``'range'``
      keeps a temperature at the same grey level in every frame, e.g.
      ``float_range=(-20, 120)`` for °C or ``(253.15, 393.15)`` for Kelvin.
      NaN or infinite pixels raise :class:`NonFiniteImageError`.
    * 16-bit visible (colour or grey), by ``visible_uint16_rule``:
      ``'full_range'`` (default) ``round(x * 255 / 65535)``, the way image
      viewers show 16-bit images, so exposure and colour stay as recorded;
      ``'minmax'`` stretches each image's own range (for 10/12-bit data in
      16-bit files).
    * any other type (floating-point visible, signed or 32-bit integers)
      raises :class:`UnsupportedPixelTypeError`.

    Bad files raise the named errors of
    :mod:`segmif_mm.datasets.transforms.image_files` (missing, unreadable,
    empty, truncated, undecodable, multi-page TIFF), each naming the file
    and the fix.

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
        float_rule (str): ``'minmax'`` or ``'range'``, see above. Defaults
            to 'minmax'.
        float_range (tuple[float, float], optional): ``(low, high)`` of the
            ``'range'`` rule, in the file's unit. Defaults to None.
        visible_uint16_rule (str): ``'full_range'`` or ``'minmax'``, see
            above. Defaults to 'full_range'.
        backend_args (dict, optional): Arguments of the mmengine file
            backend. Defaults to None.

    Raises:
        ImageFileError: A file is missing, unreadable, empty, truncated,
            undecodable or a multi-page TIFF (an ``OSError``).
        ValueError: Wrong channel count, the two images differ in size, or
            non-finite float pixels.
        TypeError: Unsupported pixel dtype.
    """

    def __init__(self,
                 uint16_rule: str = 'minmax',
                 uint16_shift: int = 8,
                 float_rule: str = 'minmax',
                 float_range: Optional[Sequence[float]] = None,
                 visible_uint16_rule: str = 'full_range',
                 backend_args: Optional[dict] = None) -> None:
        name = type(self).__name__
        if uint16_rule not in ('minmax', 'shift'):
            raise ValueError(
                f"{name}: uint16_rule must be 'minmax' or 'shift', got "
                f'{uint16_rule!r}.')
        if not 0 <= uint16_shift <= 8:
            raise ValueError(
                f'{name}: uint16_shift must be in 0..8, got {uint16_shift}.')
        if float_rule not in ('minmax', 'range'):
            raise ValueError(
                f"{name}: float_rule must be 'minmax' or 'range', got "
                f'{float_rule!r}.')
        if float_rule == 'range' and (
                float_range is None or len(float_range) != 2
                or not float(float_range[0]) < float(float_range[1])):
            raise ValueError(
                f"{name}: float_rule='range' needs float_range=(low, high) "
                f'with low < high in the file\'s unit, e.g. (-20, 120) for '
                f'°C; got {float_range}.')
        if visible_uint16_rule not in ('full_range', 'minmax'):
            raise ValueError(
                f"{name}: visible_uint16_rule must be 'full_range' or "
                f"'minmax', got {visible_uint16_rule!r}.")
        self.uint16_rule = uint16_rule
        self.uint16_shift = uint16_shift
        self.float_rule = float_rule
        self.float_range = None if float_range is None else tuple(
            float(v) for v in float_range)
        self.visible_uint16_rule = visible_uint16_rule
        self.backend_args = backend_args.copy() if backend_args else None

    def _read(self, path: str, kind: str, key: str) -> np.ndarray:
        """Decode one file unchanged (bit depth and channels kept)."""
        kind = f'{kind} image'
        data = read_image_bytes(
            path,
            kind,
            missing_hint=f'Check `data_root`, `data_prefix.{key}` and the '
            'suffixes of the dataset, and that the split file only lists '
            'existing samples.',
            backend_args=self.backend_args)
        return decode_image(data, path, kind)

    @staticmethod
    def _stretch(image: np.ndarray, low: float, high: float) -> np.ndarray:
        """``round(clip((x - low) / (high - low), 0, 1) * 255)`` as uint8;
        0 where ``high == low``."""
        if high <= low:
            return np.zeros(image.shape, np.uint8)
        scaled = (image.astype(np.float64) - low) * (255.0 / (high - low))
        return np.rint(np.clip(scaled, 0, 255)).astype(np.uint8)

    def _infrared_to_uint8(self, image: np.ndarray, path: str) -> np.ndarray:
        """Apply the infrared bit-depth rules."""
        if image.dtype == np.uint8:
            return image
        if image.dtype == np.uint16:
            if self.uint16_rule == 'shift':
                return np.minimum(image >> self.uint16_shift,
                                  255).astype(np.uint8)
            return self._stretch(image, int(image.min()), int(image.max()))
        if image.dtype.kind == 'f':
            bad = int(np.count_nonzero(~np.isfinite(image)))
            if bad:
                raise NonFiniteImageError(
                    f'Infrared image {path} has {bad} NaN or infinite '
                    'pixel(s) (e.g. invalid pixels of a radiometric export). '
                    'Replace them with valid temperatures (e.g. the '
                    'frame\'s minimum) and save it again.')
            if self.float_rule == 'range':
                return self._stretch(image, *self.float_range)
            return self._stretch(image, float(image.min()), float(image.max()))
        raise UnsupportedPixelTypeError(
            f'Infrared image {path} has pixel type {image.dtype}; '
            f'{type(self).__name__} reads 8-bit, 16-bit and floating-point '
            '(e.g. temperatures) infrared images. Convert it to one of '
            'them.')

    def _visible_to_uint8(self, image: np.ndarray, path: str) -> np.ndarray:
        """Apply the visible bit-depth rules."""
        if image.dtype == np.uint8:
            return image
        if image.dtype == np.uint16:
            if self.visible_uint16_rule == 'minmax':
                return self._stretch(image, int(image.min()), int(image.max()))
            return self._stretch(image, 0, 65535)
        raise UnsupportedPixelTypeError(
            f'Visible image {path} has pixel type {image.dtype}; '
            f'{type(self).__name__} reads 8-bit and 16-bit visible images. '
            'Save it as an 8-bit (or 16-bit) PNG, JPEG or TIFF.')

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
        visible = self._visible_to_uint8(
            np.ascontiguousarray(image[..., 2::-1]), path)
        thermal = self._infrared_to_uint8(
            np.ascontiguousarray(image[..., 3]), path)
        return visible, thermal

    def _visible(self, image: np.ndarray, path: str) -> np.ndarray:
        """Visible image as R, G, B."""
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[..., 0]
        image = self._visible_to_uint8(image, path)
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
        if image.dtype.kind == 'f' and image.dtype != np.float32:
            image = image.astype(np.float32)  # what cvtColor reads
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
        return np.ascontiguousarray(self._infrared_to_uint8(image, path))

    def transform(self, results: dict) -> dict:
        """Load both modalities.

        Args:
            results (dict): Needs ``img_path`` and ``ir_path``.

        Returns:
            dict: With ``img``, ``ir``, ``img_shape`` and ``ori_shape``.
        """
        img_path, ir_path = results['img_path'], results['ir_path']
        if ir_path == img_path:
            visible, infrared = self._split_packed(
                self._read(img_path, 'Visible', 'img_path'), img_path)
        else:
            visible = self.load_visible(img_path)
            infrared = self.load_infrared(ir_path)
        return self.pack_pair(results, visible, infrared, img_path, ir_path)

    def load_visible(self, path: str) -> np.ndarray:
        """A visible image file as R, G, B uint8 ``(H, W, 3)``."""
        return self._visible(self._read(path, 'Visible', 'img_path'), path)

    def load_infrared(self, path: str) -> np.ndarray:
        """An infrared image file as uint8 ``(H, W)``."""
        return self._infrared(self._read(path, 'Infrared', 'ir_path'), path)

    @staticmethod
    def pack_pair(results: dict, visible: np.ndarray, infrared: np.ndarray,
                  vis_name: str, ir_name: str) -> dict:
        """Check that the pair is registered and store it in ``results``.

        Raises:
            ValueError: The two images differ in size.
        """
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
                f"float_rule='{self.float_rule}', "
                f'float_range={self.float_range}, '
                f"visible_uint16_rule='{self.visible_uint16_rule}', "
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
        return self.pack_pair(results, visible, infrared, vis_name, ir_name)


@TRANSFORMS.register_module()
class LoadMultiModalAnnotations(LoadAnnotations):
    """mmseg ``LoadAnnotations`` that checks the loaded class ids.

    The file is first checked (decoded as it is stored), then loaded by
    mmseg's own ``LoadAnnotations._load_seg_map``, which applies
    ``reduce_zero_label`` and ``label_map``; after them every id must be
    below ``results['num_classes']`` (set by
    :class:`MultiModalSegDataset`) or equal 255 (ignore), the label must be
    single-channel 8-bit ids (16-bit files are accepted when every value is
    at most 255) and as large as the image. Otherwise an error names the
    file, lists the offending ids and says how to fix the config. Bad files
    raise the named errors of :mod:`segmif_mm.datasets.transforms.
    image_files`, as images do.

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
        ImageFileError: The label file is missing, unreadable, empty,
            truncated, undecodable or a multi-page TIFF (an ``OSError``).
        KeyError: ``num_classes`` is not in the results.
        TypeError: Pixel type other than 8-bit ids.
        ValueError: Bad ids, channel count or size.
    """

    def _load_seg_map(self, results: dict) -> None:
        """Check the label file, load it with mmseg's
        ``LoadAnnotations._load_seg_map`` (which applies
        ``reduce_zero_label`` and ``label_map``), then check the ids.

        Args:
            results (dict): Result dict of the dataset.
        """
        path = results['seg_map_path']
        if 'num_classes' not in results:
            raise KeyError(
                f'LoadMultiModalAnnotations needs `num_classes` to check '
                f'{path}; use a MultiModalSegDataset (or subclass), which '
                'adds it to every sample.')
        self._check_file(path, results)
        if self.reduce_zero_label not in (None, results['reduce_zero_label']):
            raise ValueError('The dataset has reduce_zero_label='
                             f'{results["reduce_zero_label"]} but '
                             'LoadMultiModalAnnotations has '
                             f'{self.reduce_zero_label}; set it in one place.')
        super()._load_seg_map(results)
        num_classes = results['num_classes']
        ids = np.unique(results['gt_seg_map'])
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

    def _check_file(self, path: str, results: dict) -> None:
        """Raise the named errors of a label file that mmseg's loader would
        misread: missing or broken file, several channels, ids beyond 8
        bits (mmseg casts to uint8), a size other than the image's."""
        data = read_image_bytes(
            path,
            'Label file',
            missing_hint='Check `data_root`, `data_prefix.seg_map_path` and '
            '`seg_map_suffix` of the dataset; for unlabelled data drop '
            '`seg_map_path` from `data_prefix` and LoadMultiModalAnnotations '
            'from the pipeline.',
            backend_args=self.backend_args)
        label = decode_image(data, path, 'Label file', self.imdecode_backend)
        if label.ndim == 3 and label.shape[2] == 1:
            label = label[..., 0]
        if label.ndim != 2:
            raise ValueError(
                f'Label file {path} has {label.shape[2]} channels; labels '
                'must be single-channel class ids (not colour-coded labels, '
                "e.g. not FMB's color/ folder).")
        if label.dtype != np.uint8 and (label.dtype.kind not in 'ui' or
                                        label.min() < 0 or label.max() > 255):
            raise UnsupportedPixelTypeError(
                f'Label file {path} has pixel type {label.dtype} with '
                f'values {label.min()}-{label.max()}; labels are class ids '
                '0-254 and 255 (ignore). Save it as an 8-bit single-channel '
                'PNG.')
        if 'ori_shape' in results and \
                tuple(label.shape) != tuple(results['ori_shape'][:2]):
            raise ValueError(
                f'Label file {path} is {label.shape[0]}x{label.shape[1]} '
                f'(HxW) but image {results.get("img_path")} is '
                f'{results["ori_shape"][0]}x{results["ori_shape"][1]}; they '
                'must have the same size.')
