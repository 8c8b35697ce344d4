"""Build a SegMiF model from a config and run it on infrared/visible pairs."""
import copy
import os
import pickle
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dataset import Compose
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from torch import nn

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import DATASETS, MODELS, TRANSFORMS
from mmseg.structures import SegDataSample
from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.models.utils import check_fusion_function
from segmif_mm.utils import trust_local_checkpoints

ImageInput = Union[str, Path, np.ndarray]
PairInput = Union[ImageInput, Sequence[ImageInput]]


def drop_pretrained(cfg: Union[dict, list]) -> None:
    """Remove every ``init_cfg`` that loads a checkpoint (``Pretrained``,
    ``InflatedPretrained``) and every ``pretrained``, in place.

    Used when the weights come from a checkpoint or random initialisation
    suffices (benchmarks, export), so no pretrained file is needed.

    Args:
        cfg (dict | list): A model config (or part of one).
    """
    if isinstance(cfg, list):
        for item in cfg:
            drop_pretrained(item)
        return
    if not isinstance(cfg, dict):
        return
    if cfg.get('pretrained') is not None:
        cfg['pretrained'] = None
    init_cfg = cfg.get('init_cfg')
    init_cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg]
    if any(isinstance(c, dict) and 'checkpoint' in c for c in init_cfgs):
        cfg['init_cfg'] = None
    for value in cfg.values():
        if isinstance(value, (dict, list)):
            drop_pretrained(value)


def _default_palette(num_classes: int) -> List[List[int]]:
    """mmseg's palette for datasets without one (seeded random colours)."""
    return np.random.RandomState(42).randint(
        0, 255, size=(num_classes, 3)).tolist()


def dataset_meta_from_config(cfg: Config) -> Optional[dict]:
    """``classes`` and ``palette`` of the config's test/val/train dataset.

    The dataset class is built with ``lazy_init=True`` and no pipeline, so
    no data file is read; its ``metainfo`` then holds the class list and
    palette exactly as the runner would see them.

    Args:
        cfg (Config): A full config with ``*_dataloader.dataset``.

    Returns:
        dict | None: The dataset's metainfo, None when no dataset in the
        config has a class list.
    """
    for split in ('test', 'val', 'train'):
        dataset_cfg = (cfg.get(f'{split}_dataloader') or {}).get('dataset')
        if not dataset_cfg or not isinstance(dataset_cfg.get('type'), str):
            continue
        dataset_cfg = copy.deepcopy(dataset_cfg)
        dataset_cfg.update(pipeline=[], lazy_init=True)
        try:
            metainfo = DATASETS.build(dataset_cfg).metainfo
        except (FileNotFoundError, KeyError, TypeError, ValueError) as err:
            warnings.warn(f'Could not read the class list of '
                          f'{split}_dataloader.dataset ({err}).')
            continue
        if metainfo.get('classes'):
            return dict(metainfo)
    return None


def init_model(config: Union[str, Path, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               trust_checkpoint: bool = False) -> nn.Module:
    """Build a SegMiF (or any mmseg) model from a config for inference.

    Like :func:`mmseg.apis.init_model`: pretrained ``init_cfg`` entries are
    dropped (the checkpoint provides the weights; without one the weights
    are random), SyncBN is replaced by BN, the config is kept as
    ``model.cfg`` and the model is put in eval mode on ``device``.
    ``model.dataset_meta`` (``classes``, ``palette``) comes from the
    checkpoint's meta, else from the config's dataset, else generic class
    names ``'0'...'K-1'`` with mmseg's seeded random palette (with a
    warning).

    Args:
        config (str | Path | Config): Config file path or object.
        checkpoint (str, optional): Checkpoint written by mmengine, loaded
            strictly: every parameter must match. Defaults to None (random
            weights).
        device (str): Device, e.g. ``'cpu'`` or ``'cuda:0'``.
            Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides merged into the config.
            Defaults to None.
        trust_checkpoint (bool): Unpickle local checkpoints in full (the
            training state mmengine stores besides the weights), for the
            rest of the process; see
            :func:`segmif_mm.utils.trust_local_checkpoints`. Only for
            checkpoints you trust. Defaults to False.

    Returns:
        nn.Module: The model, in eval mode.

    Raises:
        TypeError: ``config`` is neither a path nor a ``Config``.
        RuntimeError: The checkpoint needs full unpickling and
            ``trust_checkpoint`` is False.
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif not isinstance(config, Config):
        raise TypeError('config must be a file path or a Config, got '
                        f'{type(config).__name__}.')
    else:
        config = copy.deepcopy(config)
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    drop_pretrained(config.model)
    config.model.train_cfg = None
    init_default_scope(config.get('default_scope', 'mmseg'))

    model = revert_sync_batchnorm(MODELS.build(config.model))
    dataset_meta = None
    if checkpoint is not None:
        if trust_checkpoint:
            trust_local_checkpoints()
        try:
            ckpt = load_checkpoint(
                model, str(checkpoint), map_location='cpu', strict=True)
        except pickle.UnpicklingError as err:
            raise RuntimeError(
                f'Checkpoint {checkpoint} holds Python objects besides '
                "tensors (e.g. mmengine's training state), which torch >= "
                '2.6 does not unpickle by default. If you trust the file, '
                'pass trust_checkpoint=True (the tools in tools/ do).'
            ) from err
        check_fusion_function(
            ckpt.get('meta') or {}, config.model, str(checkpoint))
        dataset_meta = ckpt.get('meta', {}).get('dataset_meta')
    if not dataset_meta:
        dataset_meta = dataset_meta_from_config(config)
    if not dataset_meta:
        num_classes = model.decode_head.num_classes
        warnings.warn(
            'Neither the checkpoint nor the config names the classes; using '
            f'{num_classes} classes named 0..{num_classes - 1} and a random '
            'palette. Set `metainfo` of test_dataloader.dataset in the '
            'config.')
        dataset_meta = dict(
            classes=tuple(str(i) for i in range(num_classes)),
            palette=_default_palette(num_classes))
    model.dataset_meta = dataset_meta
    model.cfg = config
    model.to(device)
    model.eval()
    return model


def inference_pipeline_cfg(cfg: Config) -> List[dict]:
    """The config's test pipeline without annotation loading.

    Takes ``cfg.test_pipeline`` (else ``test_dataloader.dataset.pipeline``)
    and drops every transform derived from mmseg's ``LoadAnnotations``, so
    the pipeline works on unlabelled pairs.

    Args:
        cfg (Config): A full config.

    Returns:
        list[dict]: Transform configs, starting with
        ``LoadMultiModalImages``.

    Raises:
        ValueError: No test pipeline, or one that does not start with
            ``LoadMultiModalImages``.
    """
    pipeline = cfg.get('test_pipeline')
    if pipeline is None:
        pipeline = (cfg.get('test_dataloader') or {}).get('dataset',
                                                          {}).get('pipeline')
    if not pipeline:
        raise ValueError(
            'The config has neither `test_pipeline` nor '
            '`test_dataloader.dataset.pipeline`; inference builds its '
            'pipeline from them.')

    def is_a(step: dict, base: type) -> bool:
        transform = step['type']
        if isinstance(transform, str):
            transform = TRANSFORMS.get(transform)
        return isinstance(transform, type) and issubclass(transform, base)

    steps = [
        step for step in copy.deepcopy(pipeline)
        if not is_a(step, LoadAnnotations)
    ]
    if not is_a(steps[0], LoadMultiModalImages):
        raise ValueError(
            'The test pipeline must start with LoadMultiModalImages (then '
            f'ConcatInfrared ... PackSegInputs), but starts with '
            f'{steps[0]["type"]}.')
    return steps


def _as_list(images: PairInput, name: str) -> Tuple[list, bool]:
    """Wrap a single image in a list; tell whether a list was given."""
    if isinstance(images, (list, tuple)):
        if not images:
            raise ValueError(f'`{name}` is an empty list.')
        return list(images), True
    return [images], False


def pair_results(ir: ImageInput,
                 vis: ImageInput,
                 index: Union[int, str],
                 vis_channel_order: str = 'bgr') -> dict:
    """The input of ``LoadMultiModalImagesFromNDArray`` for one pair.

    Args:
        ir (str | Path | np.ndarray): Infrared file or array.
        vis (str | Path | np.ndarray): Visible file or array.
        index (int | str): The pair's index or name, naming arrays in error
            messages (``'vis[3] (array)'``).
        vis_channel_order (str): ``'bgr'`` or ``'rgb'``, of a colour
            visible array. Defaults to 'bgr'.

    Returns:
        dict: ``img_path`` and ``ir_path``, and ``img`` / ``ir`` for arrays.
    """
    results = {}
    for key, path_key, image, name in (('img', 'img_path', vis, 'vis'),
                                       ('ir', 'ir_path', ir, 'ir')):
        if isinstance(image, np.ndarray):
            if key == 'img' and vis_channel_order == 'rgb' and \
                    image.ndim == 3 and image.shape[2] == 3:
                image = image[..., ::-1]
            results[key] = image
            results[path_key] = f'{name}[{index}] (array)'
        else:
            results[path_key] = os.fspath(image)
    return results


def inference_model(
    model: nn.Module,
    ir: PairInput,
    vis: PairInput,
    vis_channel_order: str = 'bgr'
) -> Union[SegDataSample, List[SegDataSample]]:
    """Fuse and segment infrared/visible pair(s).

    The inputs go through the config's test pipeline without annotation
    loading, so no label file is needed. Pairs of one size run as one batch;
    pairs of different sizes run in separate batches (one per size, no
    padding), and the results keep the input order.

    Args:
        model (nn.Module): A model from :func:`init_model`.
        ir (str | Path | np.ndarray | Sequence): Infrared image file(s) or
            array(s) (uint8/uint16, ``(H, W)``, or ``(H, W, 3)`` grey).
        vis (str | Path | np.ndarray | Sequence): Visible image file(s) or
            array(s) (uint8/uint16 ``(H, W, 3)`` colour or ``(H, W)``
            grey), registered with ``ir``. For a packed 4-channel R, G, B,
            thermal file (original MFNet), pass the same path as ``ir``
            and ``vis``.
        vis_channel_order (str): Channel order of visible *arrays*:
            ``'bgr'`` (as ``mmcv.imread`` / ``cv2.imread`` return them, the
            convention of :func:`mmseg.apis.inference_model`) or ``'rgb'``.
            Files are always decoded correctly. Defaults to 'bgr'.

    Returns:
        SegDataSample | list[SegDataSample]: One sample per pair (a list
        when lists were given) with ``pred_fused_img`` (``[3, H, W]`` float
        in [0, 1]), ``pred_sem_seg`` and ``seg_logits``, at the input size.

    Raises:
        ValueError: ``ir`` and ``vis`` differ in kind or length, a pair
            differs in size, or the config has no usable test pipeline.
    """
    if vis_channel_order not in ('bgr', 'rgb'):
        raise ValueError("vis_channel_order must be 'bgr' or 'rgb', got "
                         f'{vis_channel_order!r}.')
    irs, ir_is_list = _as_list(ir, 'ir')
    viss, vis_is_list = _as_list(vis, 'vis')
    if ir_is_list != vis_is_list or len(irs) != len(viss):
        raise ValueError(
            'Pass `ir` and `vis` both as single images or both as lists of '
            f'the same length, got {len(irs) if ir_is_list else "one"} '
            f'infrared and {len(viss) if vis_is_list else "one"} visible '
            'image(s).')
    cfg = getattr(model, 'cfg', None)
    if not isinstance(cfg, (Config, ConfigDict)):
        raise ValueError('model.cfg is missing; build the model with '
                         'segmif_mm.apis.init_model.')
    steps = inference_pipeline_cfg(cfg)
    steps[0] = dict(steps[0], type='LoadMultiModalImagesFromNDArray')
    pipeline = Compose(steps)

    groups: Dict[tuple, list] = defaultdict(list)
    for index, (ir_img, vis_img) in enumerate(zip(irs, viss)):
        packed = pipeline(
            pair_results(ir_img, vis_img, index, vis_channel_order))
        groups[tuple(packed['inputs'].shape)].append((index, packed))

    results: List[Optional[SegDataSample]] = [None] * len(irs)
    with torch.no_grad():
        for group in groups.values():
            outputs = model.test_step(
                dict(
                    inputs=[packed['inputs'] for _, packed in group],
                    data_samples=[
                        packed['data_samples'] for _, packed in group
                    ]))
            for (index, _), output in zip(group, outputs):
                results[index] = output
    return results if ir_is_list else results[0]
