"""SegMiFInferencer: fuse (and segment) infrared/visible pairs and videos."""
import os
import os.path as osp
import pickle
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Union

import mmcv
import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose
from mmengine.infer import BaseInferencer
from mmengine.registry import init_default_scope
from torch import nn

from mmseg.structures import SegDataSample
from mmseg.utils import SampleList
from segmif_mm.datasets.transforms import LoadMultiModalImagesFromNDArray
from segmif_mm.deploy import prepare_for_inference
from segmif_mm.utils import (atomic_backend_args, find_resource,
                             load_trusted_checkpoint)
from segmif_mm.visualization import FusionSegLocalVisualizer
from .batch import collect_pairs
from .frame_pairs import FramePairs, is_video
from .fusion import DEFAULT_FUSION_CHECKPOINT, init_fusion_model
from .inference import inference_pipeline_cfg, init_model, pair_results
from .model_index import get_model_by_weights, get_model_info

ImageInput = Union[str, Path, np.ndarray]
PairInput = Union[Dict[str, ImageInput], Sequence[ImageInput]]
InputsType = Union[PairInput, List[PairInput]]


class SegMiFInferencer(BaseInferencer):
    """Fuse and segment infrared/visible pairs, folders and videos.

    Built like mmseg's ``MMSegInferencer``: :meth:`preprocess` runs the
    config's test pipeline (without annotation loading, the loader swapped
    for ``LoadMultiModalImagesFromNDArray``), :meth:`forward` the model,
    :meth:`visualize` draws the ``visible | infrared | fused |
    segmentation`` panel with column titles
    (:class:`~segmif_mm.visualization.FusionSegLocalVisualizer`) and
    :meth:`postprocess` returns (and saves) the predictions.

    Inputs (a pair is ``dict(ir=..., vis=...)`` or a tuple ``(ir, vis)``,
    optionally with ``name=`` in the dict; a list of pairs is a batch):

    * two image files, or two arrays as ``cv2.imread`` returns them
      (visible B, G, R or grey; infrared grey, 8- or 16-bit);
    * two folders, paired by name (:func:`segmif_mm.datasets.
      match_by_name`); a name missing in one folder is an error;
    * two videos, paired frame by frame (:class:`FramePairs`; all frames
      are read, so stream long videos with ``demo/video_demo.py``).

    Model: a name of the segmif_mm model index (``model-index.yml``, e.g.
    the shipped fusion model; mmengine's own metafile lookup only knows the
    official OpenMMLab packages), or a config (file or ``Config``) with
    ``weights``. A model whose segmentation branch was never trained (a
    ``fusion_only`` schedule, or weights without the decode head's, such as
    the shipped fusion weights) returns the fused image only; so does any
    model with ``segmentation=False``.

    Outputs per pair: ``fused`` (uint8 ``(H, W, 3)`` R, G, B at the input
    size) and, with segmentation, ``sem_seg`` (class ids ``(H, W)``);
    the panels with ``return_vis``; the data samples (``pred_fused_img``
    ``[3, H, W]`` in [0, 1], ``pred_sem_seg``, ``seg_logits``) with
    ``return_datasamples``. With ``out_dir``, ``out_dir/fused/<name>.png``,
    ``out_dir/seg/<name>.png`` (coloured with the palette) and
    ``out_dir/panel/<name>.png`` are written atomically; ``<name>`` is the
    visible file's name (its relative path for folders), ``frame_<index>``
    for videos, the input's index for arrays.

    Example:
        >>> inferencer = SegMiFInferencer()  # the shipped fusion model
        >>> result = inferencer(dict(ir='ir/00001.png', vis='vi/00001.png'))
        >>> result['predictions']['fused'].shape
        (480, 640, 3)

    Args:
        model (str | Config, optional): A model name of the segmif_mm model
            index, a config file or a ``Config``. Defaults to None: the
            model of the shipped weights
            (:data:`~segmif_mm.apis.DEFAULT_FUSION_CHECKPOINT`).
        weights (str, optional): Checkpoint. Defaults to None: the model's
            shipped weights for a name; random weights for a config.
        device (str, optional): Device; None picks CUDA when available.
            Defaults to None.
        segmentation (bool): Segment when the model has a trained
            segmentation branch; False fuses only. Defaults to True.
        precision (str): ``'fp32'`` or ``'bf16'`` (autocast; see
            :mod:`segmif_mm.deploy.precision`). Defaults to 'fp32'.
        cpu_conversion (bool): On CPU, convert the model for inference
            (:func:`segmif_mm.deploy.convert_for_cpu_inference`); False
            keeps the plain model, for comparison. Defaults to True.
        malloc_tuning (bool): With the CPU conversion, keep freed memory for
            reuse for the rest of the process
            (:func:`segmif_mm.deploy.tune_malloc_for_inference`). Defaults
            to False.
        load_cfg (dict, optional): Arguments of the pipeline's loader,
            e.g. ``dict(uint16_rule='shift')``. Defaults to None.
        trust_checkpoint (bool): Unpickle local checkpoints in full (a
            training checkpoint's state), for the rest of the process
            (:func:`segmif_mm.utils.trust_local_checkpoints`). Only for
            files you trust. Defaults to False.
        show_progress (bool): Show a progress bar. Defaults to True.

    Raises:
        KeyError: An unknown model name; the message lists the known ones.
        ValueError: A named model without shipped weights and no
            ``weights``.
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    visualize_kwargs: set = {
        'return_vis', 'show', 'wait_time', 'panel_out_dir', 'opacity',
        'with_labels'
    }
    postprocess_kwargs: set = {'pred_out_dir'}

    def __init__(self,
                 model: Optional[Union[str, Path, Config]] = None,
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 segmentation: bool = True,
                 precision: str = 'fp32',
                 cpu_conversion: bool = True,
                 malloc_tuning: bool = False,
                 load_cfg: Optional[dict] = None,
                 trust_checkpoint: bool = False,
                 show_progress: bool = True) -> None:
        self.segmentation = segmentation
        self.precision = precision
        self.cpu_conversion = cpu_conversion
        self.malloc_tuning = malloc_tuning
        self.load_cfg = dict(load_cfg or {})
        self.trust_checkpoint = trust_checkpoint
        cfg, weights = self.resolve_model(model, weights)
        init_default_scope(cfg.get('default_scope', 'mmseg'))
        super().__init__(
            model=cfg,
            weights=weights,
            device=device,
            scope=cfg.get('default_scope', 'mmseg'),
            show_progress=show_progress)

    @staticmethod
    def resolve_model(model: Optional[Union[str, Path, Config]],
                      weights: Optional[str]) -> tuple:
        """The config and weights of a model name, file or config.

        Returns:
            tuple[Config, str | None]: Config and checkpoint path.
        """
        if isinstance(model, (Config, ConfigDict)):
            return model, weights
        if model is not None and osp.isfile(model):
            return Config.fromfile(str(model)), weights
        name = get_model_by_weights(DEFAULT_FUSION_CHECKPOINT) \
            if model is None else str(model)
        info = get_model_info(name)
        cfg = Config.fromfile(str(find_resource(info['Config'])))
        if weights is None:
            if not info.get('Weights'):
                raise ValueError(
                    f'Model {name} has no shipped weights (Weights: null in '
                    'its metafile); train it and pass weights=CHECKPOINT.')
            weights = str(find_resource(info['Weights']))
        return cfg, weights

    # ---------------------------------------------------------------- model
    def _init_model(self, cfg: Config, weights: Optional[str],
                    device: str) -> nn.Module:
        """Build the model for segmentation and fusion, or for fusion only
        (:attr:`with_segmentation`), and ready it for ``device``."""
        self.with_segmentation = self.segmentation and \
            self._segmentation_trained(cfg, weights)
        init = init_model if self.with_segmentation else init_fusion_model
        model = init(
            config=cfg,
            checkpoint=weights,
            device='cpu',
            trust_checkpoint=self.trust_checkpoint)
        return self._prepare_model_for_device(model, device)

    def _prepare_model_for_device(self, model: nn.Module,
                                  device: str) -> nn.Module:
        """Move the model to ``device`` and ready it for inference there:
        on CPU converted (:func:`segmif_mm.deploy.convert_for_cpu_inference`,
        unless ``cpu_conversion`` is off), elsewhere run in ``precision``
        (:func:`segmif_mm.deploy.prepare_for_inference`)."""
        return prepare_for_inference(
            model.to(device),
            precision=self.precision,
            cpu_conversion=self.cpu_conversion,
            malloc_tuning=self.malloc_tuning)

    def _segmentation_trained(self, cfg: Config,
                              weights: Optional[str]) -> bool:
        """Whether the segmentation branch was trained: not under a schedule
        of ``fusion_only`` phases only, and, with weights, the checkpoint
        holds the decode head's."""
        phases = (cfg.get('train_cfg') or {}).get('phases') or []
        if phases and all(p.get('phase') == 'fusion_only' for p in phases):
            return False
        if weights is None:
            return True
        return any(
            key.startswith('decode_head.')
            for key in self._checkpoint_state(weights))

    def _checkpoint_state(self, weights: str) -> dict:
        """The state dict of a checkpoint file."""
        if self.trust_checkpoint:
            checkpoint = load_trusted_checkpoint(weights, map_location='cpu')
        else:
            try:
                checkpoint = torch.load(
                    weights, map_location='cpu', weights_only=True)
            except pickle.UnpicklingError as err:
                raise RuntimeError(
                    f'Checkpoint {weights} holds Python objects besides '
                    "tensors (e.g. mmengine's training state), which torch "
                    '>= 2.6 does not unpickle by default. If you trust the '
                    'file, pass trust_checkpoint=True.') from err
        return checkpoint.get('state_dict', checkpoint)

    def _init_visualizer(self, cfg: Config) -> FusionSegLocalVisualizer:
        """A panel visualizer of its own (no backends)."""
        return FusionSegLocalVisualizer(
            name=f'{type(self).__name__}-{uuid.uuid4().hex}')

    # --------------------------------------------------------------- inputs
    def _init_pipeline(self, cfg: Config) -> 'SegMiFInferencer._load_pair':
        """The test pipeline from a pair (see :meth:`_load_pair`)."""
        steps = inference_pipeline_cfg(cfg)
        steps[0] = dict(
            steps[0], type='LoadMultiModalImagesFromNDArray', **self.load_cfg)
        self._transforms = Compose(steps)
        return self._load_pair

    def _load_pair(self, pair: dict) -> dict:
        """One pair (``ir``, ``vis``, ``name``) through the test pipeline;
        the name goes into the data sample's ``pair_name``."""
        packed = self._transforms(
            pair_results(pair['ir'], pair['vis'], pair['name']))
        packed['data_samples'].set_metainfo(dict(pair_name=pair['name']))
        return packed

    def _inputs_to_list(self, inputs: InputsType) -> List[dict]:
        """Every input pair as ``dict(ir=..., vis=..., name=...)``, folders
        and videos expanded.

        Raises:
            ValueError: An input that is not a pair, files of two folders
                that do not pair up, or bad videos (see
                :class:`FramePairs`).
        """
        items = inputs if isinstance(inputs, list) else [inputs]
        pairs: List[dict] = []
        for index, item in enumerate(items):
            if isinstance(item, tuple) and len(item) == 2:
                item = dict(ir=item[0], vis=item[1])
            if not isinstance(item, dict) or not {'ir', 'vis'} <= set(item) \
                    or set(item) - {'ir', 'vis', 'name'}:
                raise ValueError(
                    'Each input is a pair: dict(ir=..., vis=...) or a tuple '
                    '(ir, vis) of two image files, two arrays, two folders '
                    f'or two videos; input {index} is {item!r:.200}.')
            pairs += self._expand(item, index)
        return pairs

    @staticmethod
    def _expand(item: dict, index: int) -> List[dict]:
        """The pairs of one input: itself, a folder's or a video's."""
        ir, vis = item['ir'], item['vis']
        if isinstance(ir, np.ndarray) or isinstance(vis, np.ndarray):
            return [dict(ir=ir, vis=vis, name=item.get('name', str(index)))]
        ir, vis = os.fspath(ir), os.fspath(vis)
        if is_video(ir) or is_video(vis):
            return [
                dict(ir=ir_frame, vis=vis_frame, name=name)
                for name, ir_frame, vis_frame in FramePairs(ir, vis)
            ]
        matching = collect_pairs(ir, vis)
        if matching.problems:
            raise ValueError(
                f'{len(matching.problems)} image(s) of {ir} and {vis} have no '
                'partner: ' +
                '; '.join(f'{name}: {reason}'
                          for name, reason in matching.problems[:5]))
        if 'name' in item and len(matching.matched) == 1:
            return [dict(matching.matched[0][1], name=item['name'])]
        return [dict(paths, name=name) for name, paths in matching.matched]

    def preprocess(self,
                   inputs: List[dict],
                   batch_size: int = 1) -> Iterator[dict]:
        """Batches of up to ``batch_size`` consecutive pairs of one size.

        Yields:
            dict: ``inputs`` and ``data_samples`` of one batch.
        """
        chunk: List[dict] = []
        for data in map(self.pipeline, inputs):
            if chunk and (len(chunk) == batch_size
                          or data['inputs'].shape != chunk[0]['inputs'].shape):
                yield self.collate_fn(chunk)
                chunk = []
            chunk.append(data)
        if chunk:
            yield self.collate_fn(chunk)

    # -------------------------------------------------------------- forward
    @torch.no_grad()
    def forward(self, inputs: dict) -> SampleList:
        """Predict one batch: ``test_step``, or with fusion only
        ``SegMiF.fuse`` and the fused images restored to the input size.

        Returns:
            list[SegDataSample]: With ``pred_fused_img`` (and
            ``pred_sem_seg``, ``seg_logits`` with segmentation).
        """
        if self.with_segmentation:
            return self.model.test_step(inputs)
        data = self.model.data_preprocessor(inputs, False)
        _, fused_rgb, _, _ = self.model.fuse(data['inputs'])
        return self.model.add_fused_images(
            fused_rgb.float(), data['data_samples'], restore=True)

    def __call__(self,
                 inputs: InputsType,
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 return_vis: bool = False,
                 show: bool = False,
                 wait_time: float = 0,
                 out_dir: str = '',
                 save_panels: bool = True,
                 **kwargs) -> Union[dict, SegDataSample, SampleList]:
        """Fuse (and segment) the inputs.

        Args:
            inputs: A pair, a list of pairs, two folders or two videos (see
                the class).
            return_datasamples (bool): Return the data samples instead of
                the dict. Defaults to False.
            batch_size (int): Pairs per forward pass (pairs of one size are
                batched). Defaults to 1.
            return_vis (bool): Return the panels. Defaults to False.
            show (bool): Show each panel in a window. Defaults to False.
            wait_time (float): Seconds a shown panel stays. Defaults to 0.
            out_dir (str): Write ``fused/``, ``seg/`` and ``panel/`` there.
                Defaults to '' (nothing written).
            save_panels (bool): Write ``panel/`` into ``out_dir``.
                Defaults to True.
            **kwargs: ``opacity`` and ``with_labels`` of the panels.

        Returns:
            dict | SegDataSample | list[SegDataSample]: ``predictions``
            (``dict(fused=..., sem_seg=...)`` per pair) and
            ``visualization`` (panels), each unwrapped for a single pair;
            or the data samples.
        """
        return super().__call__(
            inputs,
            return_datasamples,
            batch_size,
            return_vis=return_vis,
            show=show,
            wait_time=wait_time,
            panel_out_dir=osp.join(out_dir, 'panel')
            if out_dir and save_panels else '',
            pred_out_dir=out_dir,
            **kwargs)

    # -------------------------------------------------------------- outputs
    def visualize(self,
                  inputs: List[dict],
                  preds: SampleList,
                  return_vis: bool = False,
                  show: bool = False,
                  wait_time: float = 0,
                  panel_out_dir: str = '',
                  opacity: float = 0.8,
                  with_labels: bool = True) -> Optional[List[np.ndarray]]:
        """Draw the ``visible | infrared | fused | segmentation`` panel of
        each pair, with column titles.

        Returns:
            list[np.ndarray] | None: uint8 R, G, B panels with
            ``return_vis``.
        """
        if not (return_vis or show or panel_out_dir):
            return None
        self.visualizer.alpha = opacity
        if self.with_segmentation:
            self.visualizer.set_dataset_meta(
                self.model.dataset_meta['classes'],
                self.model.dataset_meta['palette'])
        loader = LoadMultiModalImagesFromNDArray(**self.load_cfg)
        panels = []
        for pair, pred in zip(inputs, preds):
            loaded = loader(
                pair_results(pair['ir'], pair['vis'], pair['name']))
            self.visualizer.add_datasample(
                pair['name'],
                loaded['img'],
                pred,
                draw_gt=False,
                show=show,
                wait_time=wait_time,
                out_file=osp.join(panel_out_dir, pair['name'] +
                                  '.png') if panel_out_dir else None,
                with_labels=with_labels,
                infrared=loaded['ir'],
                titles=True)
            if return_vis:
                panels.append(self.visualizer.get_image())
        return panels if return_vis else None

    def output_files(self, out_dir: str, name: str) -> List[str]:
        """The files :meth:`postprocess` writes for pair ``name``: the fused
        image and, with segmentation, the coloured segmentation."""
        folders = ('fused', 'seg') if self.with_segmentation else ('fused', )
        return [osp.join(out_dir, folder, name + '.png') for folder in folders]

    def write_prediction(self,
                         pred: SegDataSample,
                         fused_file: str,
                         seg_file: Optional[str] = None) -> None:
        """Write a fused image (8-bit RGB PNG) and, if ``seg_file`` is
        given, the segmentation coloured with the palette, atomically."""
        images = [
            (fused_file,
             FusionSegLocalVisualizer.fused_to_uint8(pred.pred_fused_img))
        ]
        if seg_file is not None:
            images.append((seg_file,
                           FusionSegLocalVisualizer.colorize_sem_seg(
                               pred.pred_sem_seg,
                               self.model.dataset_meta['palette'])))
        for path, image in images:
            mmcv.imwrite(
                mmcv.rgb2bgr(image),
                path,
                backend_args=atomic_backend_args(path))

    def postprocess(
            self,
            preds: SampleList,
            visualization: Optional[List[np.ndarray]],
            return_datasample: bool = False,
            pred_out_dir: str = '') -> Union[dict, SegDataSample, SampleList]:
        """Save the predictions to ``pred_out_dir`` and pack them.

        Returns:
            dict | SegDataSample | list[SegDataSample]: The data samples
            with ``return_datasample``; else ``predictions``: per pair
            ``fused`` (uint8 ``(H, W, 3)`` R, G, B) and, with segmentation,
            ``sem_seg`` (int64 ``(H, W)`` class ids), and ``visualization``
            (the panels, or an empty list); one pair's unwrapped.
        """
        if pred_out_dir:
            for pred in preds:
                self.write_prediction(
                    pred,
                    *self.output_files(pred_out_dir,
                                       pred.metainfo['pair_name']))
        if return_datasample:
            return preds[0] if len(preds) == 1 else preds
        predictions = []
        for pred in preds:
            prediction = dict(
                fused=FusionSegLocalVisualizer.fused_to_uint8(
                    pred.pred_fused_img))
            if self.with_segmentation:
                prediction['sem_seg'] = \
                    pred.pred_sem_seg.data[0].cpu().numpy()
            predictions.append(prediction)
        visualization = visualization or []
        if len(predictions) == 1:
            return dict(
                predictions=predictions[0],
                visualization=visualization[0] if visualization else None)
        return dict(predictions=predictions, visualization=visualization)
