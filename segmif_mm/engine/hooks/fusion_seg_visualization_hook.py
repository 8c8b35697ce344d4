"""Drawing and saving of fused images and segmentations during val/test."""
import os.path as osp
from typing import Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmengine.runner import Runner
from torch import Tensor

from mmseg.engine.hooks import SegVisualizationHook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample
from segmif_mm.utils import atomic_backend_args
from segmif_mm.visualization import FusionSegLocalVisualizer


@HOOKS.register_module()
class FusionSegVisualizationHook(SegVisualizationHook):
    """``SegVisualizationHook`` that also shows and saves the fused image.

    Every drawn sample gets the panel of
    :class:`~segmif_mm.visualization.FusionSegLocalVisualizer`
    (visible | infrared | fused | prediction | ground truth). The visible
    and infrared images come from the batch (``data_batch['inputs']``, the
    uint8 R, G, B, IR images the pipeline loaded), so the test pipeline
    must keep the original size (no ``Resize``).

    * Validation: every ``interval`` iterations, the panel goes to the
      runner visualizer's backends (or is shown with ``show=True``).
    * Test with ``out_dir``: for **every** sample it writes

      - ``out_dir/fused/<name>.png``: 8-bit RGB fused image at the original
        size, ``round(clip(x, 0, 1) * 255)``, no min-max stretching;
      - ``out_dir/seg/<name>.png``: the prediction coloured with the
        dataset palette;
      - ``out_dir/panel/<name>.png``: the side-by-side panel;

      where ``<name>`` is the visible file name without its extension. A
      relative ``out_dir`` is taken relative to the runner's ``work_dir``.
      Each rank writes its own samples. Local files are written atomically
      (:func:`segmif_mm.utils.atomic_backend_args`): a file under its
      final name is complete.
    * Test without ``out_dir``: as validation.

    The runner's visualizer draws the panels when it is a
    ``FusionSegLocalVisualizer``; any other visualizer (e.g. the default
    ``SegLocalVisualizer``) still receives the panels through its
    ``add_image``/``show``, drawn by a private ``FusionSegLocalVisualizer``
    with the runner visualizer's classes and palette.

    Example:
        >>> default_hooks = dict(
        ...     visualization=dict(
        ...         type='FusionSegVisualizationHook', draw=True,
        ...         interval=50, out_dir='vis'))

    Args:
        draw (bool): Whether to draw anything. Defaults to False.
        interval (int): Drawing interval (iterations) in validation, and in
            testing without ``out_dir``. Defaults to 50.
        show (bool): Whether to display the panels. Defaults to False.
        wait_time (float): Display time in seconds. Defaults to 0.
        out_dir (str, optional): Output folder of the test images.
            Defaults to None.
        with_labels (bool): Whether to write class names on the label
            panels. Defaults to True.
        backend_args (dict, optional): Arguments of the mmengine file
            backend used for writing. Defaults to None (local files,
            written atomically).
    """

    def __init__(self,
                 draw: bool = False,
                 interval: int = 50,
                 show: bool = False,
                 wait_time: float = 0.,
                 out_dir: Optional[str] = None,
                 with_labels: bool = True,
                 backend_args: Optional[dict] = None) -> None:
        super().__init__(
            draw=draw,
            interval=interval,
            show=show,
            wait_time=wait_time,
            backend_args=backend_args)
        self.out_dir = out_dir
        self.with_labels = with_labels
        if isinstance(self._visualizer, FusionSegLocalVisualizer):
            self._drawer = self._visualizer
        else:
            self._drawer = FusionSegLocalVisualizer(
                name=f'{self._visualizer.instance_name}_fusion_panels',
                alpha=getattr(self._visualizer, 'alpha', 0.8))

    @staticmethod
    def _sources(inputs: Tensor) -> Tuple[np.ndarray, np.ndarray]:
        """Visible RGB (H, W, 3) and infrared (H, W) uint8 of one input."""
        if inputs.dim() != 3 or inputs.shape[0] != 4:
            raise ValueError(
                'FusionSegVisualizationHook takes the source images from '
                "data_batch['inputs']: [4, H, W] (R, G, B, IR) as "
                f'ConcatInfrared makes them, got {tuple(inputs.shape)}.')
        images = inputs.cpu().numpy()
        return np.ascontiguousarray(images[:3].transpose(1, 2, 0)), images[3]

    def _draw(self, inputs: Tensor, data_sample: SegDataSample) -> np.ndarray:
        """The panel of one sample."""
        if self._drawer is not self._visualizer:
            self._drawer.dataset_meta = self._visualizer.dataset_meta
        visible, infrared = self._sources(inputs)
        return self._drawer.draw_panel(
            visible, data_sample, infrared, with_labels=self.with_labels)

    def _after_iter(self,
                    runner: Runner,
                    batch_idx: int,
                    data_batch: dict,
                    outputs: Sequence[SegDataSample],
                    mode: str = 'val') -> None:
        """Draw every ``interval`` iterations to the backends or screen.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the loop.
            data_batch (dict): Data from the dataloader.
            outputs (Sequence[SegDataSample]): Predictions.
            mode (str): ``'val'`` or ``'test'``. Defaults to 'val'.
        """
        if not self.draw or mode == 'train':
            return
        if not self.every_n_inner_iters(batch_idx, self.interval):
            return
        for inputs, output in zip(data_batch['inputs'], outputs):
            panel = self._draw(inputs, output)
            name = f'{mode}_{osp.basename(output.img_path)}'
            if self.show:
                self._visualizer.show(
                    panel, win_name=name, wait_time=self.wait_time)
            else:
                self._visualizer.add_image(name, panel, step=runner.iter)

    def after_test_iter(self, runner: Runner, batch_idx: int, data_batch: dict,
                        outputs: Sequence[SegDataSample]) -> None:
        """Save fused image, coloured segmentation and panel of every
        sample (with ``out_dir``), else draw as in validation.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the test loop.
            data_batch (dict): Data from the dataloader.
            outputs (Sequence[SegDataSample]): Predictions.
        """
        if not self.draw:
            return
        if self.out_dir is None:
            self._after_iter(runner, batch_idx, data_batch, outputs, 'test')
            return
        out_dir = osp.join(runner.work_dir, self.out_dir)
        palette = self._visualizer.dataset_meta.get('palette')
        for inputs, output in zip(data_batch['inputs'], outputs):
            if 'pred_fused_img' not in output:
                raise KeyError(
                    'FusionSegVisualizationHook: the model output has no '
                    '`pred_fused_img`; use a fusion model such as SegMiF, or '
                    'mmseg\'s SegVisualizationHook for plain segmentors.')
            name = osp.splitext(osp.basename(output.img_path))[0] + '.png'
            panel = self._draw(inputs, output)
            images = dict(
                fused=FusionSegLocalVisualizer.fused_to_uint8(
                    output.pred_fused_img),
                seg=FusionSegLocalVisualizer.colorize_sem_seg(
                    output.pred_sem_seg, palette),
                panel=panel)
            for folder, image in images.items():
                path = osp.join(out_dir, folder, name)
                mmcv.imwrite(
                    mmcv.rgb2bgr(image),
                    path,
                    backend_args=atomic_backend_args(path, self.backend_args))
            if self.show:
                self._visualizer.show(
                    panel, win_name=name, wait_time=self.wait_time)
