"""Side-by-side drawing of SegMiF's fused image and segmentation."""
from typing import List, Optional, Sequence, Union

import cv2
import mmcv
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.structures import PixelData

from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer
from segmif_mm.utils import atomic_backend_args, to_uint8

ArrayLike = Union[PixelData, torch.Tensor, np.ndarray]


def _to_numpy(data: ArrayLike) -> np.ndarray:
    """Array of a ``PixelData``, tensor or array, on the CPU."""
    if isinstance(data, PixelData):
        data = data.data
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    return np.asarray(data)


@VISUALIZERS.register_module()
class FusionSegLocalVisualizer(SegLocalVisualizer):
    """``SegLocalVisualizer`` that also shows the infrared and fused images.

    :meth:`add_datasample` draws one row of panels, each of the visible
    image's size::

        visible | infrared | fused | segmentation | ground truth

    With ``titles=True`` each column gets its name (as above) in a strip above
    it. A panel is left out when its data is missing (no infrared image given,
    no ``pred_fused_img`` / ``pred_sem_seg`` / ``gt_sem_seg`` in the data
    sample, or ``draw_pred`` / ``draw_gt`` off). Prediction and ground truth
    are drawn with the dataset palette over the fused image (over the visible
    image when there is no fused image) with opacity ``alpha``, as mmseg's
    ``SegLocalVisualizer`` does; label ids outside the class list (e.g. 255 =
    ignore) are left undrawn.

    The helpers :meth:`fused_to_uint8` and :meth:`colorize_sem_seg` give the
    8-bit fused RGB image and the plain coloured label map, as saved by
    ``FusionSegVisualizationHook`` and ``tools/infer.py``.

    Example:
        >>> visualizer = dict(
        ...     type='FusionSegLocalVisualizer',
        ...     vis_backends=[dict(type='LocalVisBackend')],
        ...     name='visualizer')

    Args:
        name (str): Name of the instance. Defaults to 'visualizer'.
        image (np.ndarray, optional): RGB image to draw on. Defaults to None.
        vis_backends (list[dict], optional): Visual backend configs.
            Defaults to None.
        save_dir (str, optional): Save directory of the backends.
            Defaults to None.
        classes (list, optional): Class names. Defaults to None (set from
            the dataset's ``metainfo`` by the runner).
        palette (list, optional): RGB colour of every class. Defaults to
            None.
        dataset_name (str, optional): mmseg dataset alias for classes and
            palette. Defaults to None.
        alpha (float): Opacity of the label colours on the image panels.
            Defaults to 0.8.
        **kwargs: Other arguments of :class:`mmengine.visualization.
            Visualizer`.
    """

    #: Column titles of the label panels.
    FIELD_TITLES = dict(pred_sem_seg='segmentation', gt_sem_seg='ground truth')

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None,
                 classes: Optional[List] = None,
                 palette: Optional[List] = None,
                 dataset_name: Optional[str] = None,
                 alpha: float = 0.8,
                 **kwargs) -> None:
        super().__init__(
            name=name,
            image=image,
            vis_backends=vis_backends,
            save_dir=save_dir,
            classes=classes,
            palette=palette,
            dataset_name=dataset_name,
            alpha=alpha,
            **kwargs)
        # mmseg 1.2.2's SegLocalVisualizer.__init__ passes palette and
        # classes to set_dataset_meta in swapped order; set them right.
        self.set_dataset_meta(classes, palette, dataset_name)

    @staticmethod
    def fused_to_uint8(fused: ArrayLike) -> np.ndarray:
        """8-bit RGB image of a fused prediction.

        ``round(clip(x, 0, 1) * 255)`` per channel with halves rounded up,
        as the fusion metrics quantise (:func:`to_uint8`), and no per-image
        min-max stretching, so saved images keep the network's intensities
        and score like the in-loop metrics.

        Args:
            fused (PixelData | Tensor | np.ndarray): ``pred_fused_img`` or
                its data, float ``[3, H, W]`` (or ``[1, H, W]`` grey) with
                values in [0, 1].

        Returns:
            np.ndarray: uint8 ``(H, W, 3)``, channels R, G, B.

        Raises:
            ValueError: Wrong shape, or NaN / infinite values.
        """
        data = _to_numpy(fused)
        if data.ndim != 3 or data.shape[0] not in (1, 3):
            raise ValueError(
                'fused_to_uint8 expects a fused image of shape [3, H, W] (or '
                f'[1, H, W]) with values in [0, 1], got {data.shape}; pass '
                "a data sample's `pred_fused_img`.")
        data = to_uint8(torch.from_numpy(data.astype(np.float64))).numpy()
        if data.shape[0] == 1:
            data = np.repeat(data, 3, axis=0)
        return np.ascontiguousarray(data.transpose(1, 2, 0))

    @staticmethod
    def colorize_sem_seg(sem_seg: ArrayLike,
                         palette: Sequence[Sequence[int]]) -> np.ndarray:
        """Plain colour image of a label map.

        Args:
            sem_seg (PixelData | Tensor | np.ndarray): Class ids of shape
                ``[1, H, W]`` or ``[H, W]`` (``pred_sem_seg`` or
                ``gt_sem_seg``).
            palette (Sequence[Sequence[int]]): RGB colour of each class id.

        Returns:
            np.ndarray: uint8 ``(H, W, 3)`` R, G, B; ids outside the palette
            (e.g. 255 = ignore) are black.

        Raises:
            ValueError: Wrong shape or an empty palette.
        """
        labels = _to_numpy(sem_seg)
        if labels.ndim == 3 and labels.shape[0] == 1:
            labels = labels[0]
        if labels.ndim != 2:
            raise ValueError('colorize_sem_seg expects class ids of shape '
                             f'[1, H, W] or [H, W], got {labels.shape}.')
        colours = np.asarray(palette, dtype=np.uint8)
        if colours.ndim != 2 or colours.shape[1] != 3 or not len(colours):
            raise ValueError(
                'colorize_sem_seg needs a palette of RGB triplets, one per '
                f'class, got an array of shape {colours.shape}; set '
                "`palette` in the dataset's metainfo.")
        labels = labels.astype(np.int64)
        valid = (labels >= 0) & (labels < len(colours))
        out = np.zeros(labels.shape + (3, ), np.uint8)
        out[valid] = colours[labels[valid]]
        return out

    @staticmethod
    def _with_title(panel: np.ndarray, title: str) -> np.ndarray:
        """``panel`` below a black strip with ``title`` in white, the
        strip's height and the text's size scaled to the panel's width."""
        width = panel.shape[1]
        scale = max(width / 640, 0.3)
        height = int(round(28 * scale))
        strip = np.zeros((height, width, 3), np.uint8)
        cv2.putText(strip, title, (int(6 * scale), int(20 * scale)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale, (255, 255, 255),
                    max(1, int(round(2 * scale))), cv2.LINE_AA)
        return np.concatenate([strip, panel], axis=0)

    @staticmethod
    def _infrared_rgb(infrared: np.ndarray, size: tuple) -> np.ndarray:
        """Infrared image as 3 equal uint8 channels."""
        if infrared.ndim == 3 and infrared.shape[2] in (1, 3):
            infrared = infrared[..., 0]
        if infrared.ndim != 2 or infrared.dtype != np.uint8:
            raise ValueError(
                'The infrared image must be uint8 of shape (H, W) or (H, W, '
                f'1|3), got {infrared.dtype} {infrared.shape}; load it with '
                'LoadMultiModalImages.')
        if infrared.shape != size:
            raise ValueError(
                f'The infrared image is {infrared.shape} but the visible '
                f'image is {size} (H, W); pass a registered pair.')
        return np.repeat(infrared[..., None], 3, axis=2)

    def draw_panel(self,
                   image: np.ndarray,
                   data_sample: Optional[SegDataSample] = None,
                   infrared: Optional[np.ndarray] = None,
                   draw_gt: bool = True,
                   draw_pred: bool = True,
                   with_labels: bool = True,
                   titles: bool = False) -> np.ndarray:
        """Draw the side-by-side panel and set it as the current image.

        Args:
            image (np.ndarray): Visible image, uint8 ``(H, W, 3)`` R, G, B,
                or ``(H, W, 4)`` R, G, B, IR (then ``infrared`` is its last
                channel).
            data_sample (SegDataSample, optional): Prediction (and ground
                truth) at the image's size. Defaults to None.
            infrared (np.ndarray, optional): Infrared image, uint8
                ``(H, W)``. Defaults to None (no infrared panel unless
                ``image`` has 4 channels).
            draw_gt (bool): Whether to draw the ground truth.
                Defaults to True.
            draw_pred (bool): Whether to draw the prediction.
                Defaults to True.
            with_labels (bool): Whether to write class names on the label
                panels. Defaults to True.
            titles (bool): Whether to name each column in a strip above
                it. Defaults to False.

        Returns:
            np.ndarray: uint8 ``(H, W * num_panels, 3)`` R, G, B, or
            ``(H + strip, W * num_panels, 3)`` with ``titles``.

        Raises:
            ValueError: Wrong image layout, or a prediction / label of
                another size than the image.
        """
        if image.ndim != 3 or image.shape[2] not in (3, 4) or \
                image.dtype != np.uint8:
            raise ValueError(
                'draw_panel expects a uint8 visible image (H, W, 3) R, G, B '
                f'or (H, W, 4) R, G, B, IR, got {image.dtype} {image.shape}.')
        size = image.shape[:2]
        if image.shape[2] == 4:
            if infrared is None:
                infrared = image[..., 3]
            image = image[..., :3]
        image = np.ascontiguousarray(image)
        panels, names = [image], ['visible']
        if infrared is not None:
            panels.append(self._infrared_rgb(infrared, size))
            names.append('infrared')
        background = image
        fields = []
        if data_sample is not None:
            if 'pred_fused_img' in data_sample:
                background = self.fused_to_uint8(data_sample.pred_fused_img)
                panels.append(background)
                names.append('fused')
            if draw_pred and 'pred_sem_seg' in data_sample:
                fields.append(('pred_sem_seg', data_sample.pred_sem_seg))
            if draw_gt and 'gt_sem_seg' in data_sample:
                fields.append(('gt_sem_seg', data_sample.gt_sem_seg))
        classes = self.dataset_meta.get('classes')
        palette = self.dataset_meta.get('palette')
        for key, sem_seg in fields:
            if tuple(sem_seg.shape) != size:
                raise ValueError(
                    f'{key} is {tuple(sem_seg.shape)} but the image is {size} '
                    '(H, W); draw predictions at the original image size.')
            panels.append(
                self._draw_sem_seg(background, sem_seg, classes, palette,
                                   with_labels))
            names.append(self.FIELD_TITLES[key])
        for panel in panels:
            if panel.shape[:2] != size:
                raise ValueError(
                    f'A panel is {panel.shape[:2]} but the visible image is '
                    f'{size} (H, W); the fused image must be at the original '
                    'image size.')
        if titles:
            panels = [
                self._with_title(panel, name)
                for panel, name in zip(panels, names)
            ]
        drawn = np.concatenate(panels, axis=1)
        self.set_image(drawn)
        return drawn

    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True,
                       infrared: Optional[np.ndarray] = None,
                       titles: bool = False) -> None:
        """Draw the panel of :meth:`draw_panel` and show, save or log it.

        Args:
            name (str): Image identifier.
            image (np.ndarray): Visible image, uint8 ``(H, W, 3)`` R, G, B,
                or ``(H, W, 4)`` R, G, B, IR.
            data_sample (SegDataSample, optional): Prediction (and ground
                truth). Defaults to None.
            draw_gt (bool): Whether to draw the ground truth.
                Defaults to True.
            draw_pred (bool): Whether to draw the prediction.
                Defaults to True.
            show (bool): Whether to display the panel. Defaults to False.
            wait_time (float): Display time in seconds. Defaults to 0.
            out_file (str, optional): Write the panel to this file (RGB
                PNG/JPEG, atomically) instead of the backends. Defaults to
                None.
            step (int): Global step for the backends. Defaults to 0.
            with_labels (bool): Whether to write class names.
                Defaults to True.
            infrared (np.ndarray, optional): Infrared image, uint8
                ``(H, W)``. Defaults to None.
            titles (bool): Whether to name each column. Defaults to False.
        """
        drawn = self.draw_panel(image, data_sample, infrared, draw_gt,
                                draw_pred, with_labels, titles)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(
                mmcv.rgb2bgr(drawn),
                out_file,
                backend_args=atomic_backend_args(out_file))
        else:
            self.add_image(name, drawn, step)
