"""Fusion-only use of SegMiF: the shipped weights, and fusing pairs."""
import copy
import os.path as osp
import pickle
from pathlib import Path
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from torch import nn

from mmseg.registry import MODELS
from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.models.utils import check_fusion_function
from segmif_mm.utils import find_resource, to_uint8, trust_local_checkpoints
from .inference import drop_pretrained

#: Config and weights used when none are given (see README, "Shipped
#: fusion weights"): a fusion network trained without labels on RoadScene.
#: Resource paths (:func:`segmif_mm.utils.find_resource`): installed with the
#: package, or in the clone.
DEFAULT_FUSION_CONFIG = ('configs/segmif/segmif_mit-b3_1xb1-fusion-only-'
                         '250-ft-ratio_roadscene-aug-dimir-320x320.py')
DEFAULT_FUSION_CHECKPOINT = (
    'checkpoints/segmif_fusion_mit-b3_roadscene-aug-dimir-2950it_fp16.pth')


def fusion_state_keys(model: nn.Module) -> List[str]:
    """State-dict keys that the fused image depends on.

    The fusion head's, and those of the backbone modules that the guidance
    pass runs, with everything they hold (found by running it once on a
    small blank image with forward hooks on every backbone module), so this
    holds for any backbone: MiT stages 1-2, a ResNet's stem and first
    layers, the whole backbone for the fallback that runs all of it.

    Args:
        model (nn.Module): A ``SegMiF``.

    Returns:
        list[str]: Sorted keys.
    """
    ran = set()
    hooks = [
        module.register_forward_hook(lambda *args, name=name: ran.add(name))
        for name, module in model.backbone.named_modules()
    ]
    size = max(64, model.backbone_min_size)
    size = -(-size // model.backbone_size_divisor) * \
        model.backbone_size_divisor
    try:
        with torch.no_grad():
            model.guidance_features(
                torch.zeros(
                    1, 3, size, size, device=next(model.parameters()).device))
    finally:
        for hook in hooks:
            hook.remove()
    keys = [k for k in model.state_dict() if k.startswith('fusion_head.')]
    for name, module in model.backbone.named_modules():
        if name not in ran:
            continue
        prefix = f'backbone.{name}.' if name else 'backbone.'
        keys += [prefix + key for key in module.state_dict()]
    return sorted(set(keys) & set(model.state_dict()))


def extract_fusion_weights(model: nn.Module,
                           half: bool = True) -> Dict[str, torch.Tensor]:
    """The fusion-relevant weights of a model (:func:`fusion_state_keys`).

    Args:
        model (nn.Module): A ``SegMiF``.
        half (bool): Store floating-point tensors as float16. Defaults to
            True.

    Returns:
        dict[str, Tensor]: CPU tensors by key.
    """
    state = model.state_dict()
    weights = {}
    for key in fusion_state_keys(model):
        value = state[key].detach().cpu()
        weights[key] = value.half() if half and value.is_floating_point() \
            else value.clone()
    return weights


def init_fusion_model(config: Optional[Union[str, Path, Config]] = None,
                      checkpoint: Optional[Union[str, Path]] = None,
                      device: str = 'cpu',
                      trust_checkpoint: bool = False) -> nn.Module:
    """Build a SegMiF for fusion only and load its fusion weights.

    Without arguments this is the shipped fusion network
    (:data:`DEFAULT_FUSION_CONFIG`, :data:`DEFAULT_FUSION_CHECKPOINT`).
    A checkpoint may be a file written by
    ``tools/model_converters/extract_fusion_weights.py`` (tensors only, so
    loadable with torch's ``weights_only``; float16 allowed) or a full training
    checkpoint (its pickled meta needs ``trust_checkpoint=True``); either
    way every key of :func:`fusion_state_keys` must be in it, and only those
    of the model's keys it holds are loaded (:func:`load_fusion_weights`).

    Args:
        config (str | Path | Config, optional): SegMiF config. Defaults to
            None (the shipped one).
        checkpoint (str | Path, optional): Weights. Defaults to None: the
            shipped weights with the default config; with another config,
            none (random weights).
        device (str): Device. Defaults to 'cpu'.
        trust_checkpoint (bool): Unpickle local checkpoints in full, for
            the rest of the process (:func:`segmif_mm.utils.
            trust_local_checkpoints`), as a full training checkpoint needs.
            Only for files you trust. Defaults to False.

    Returns:
        nn.Module: The model in eval mode, with ``cfg``.

    Raises:
        FileNotFoundError: The config or checkpoint does not exist.
        KeyError: The checkpoint lacks fusion weights of the model.
    """
    if config is None:
        config = find_resource(DEFAULT_FUSION_CONFIG)
        checkpoint = find_resource(DEFAULT_FUSION_CHECKPOINT) \
            if checkpoint is None else checkpoint
    if isinstance(config, (str, Path)):
        if not osp.isfile(config):
            raise FileNotFoundError(f'Config {config} does not exist.')
        config = Config.fromfile(str(config))
    config = copy.deepcopy(config)
    drop_pretrained(config.model)
    config.model.train_cfg = None
    init_default_scope(config.get('default_scope', 'mmseg'))
    model = MODELS.build(config.model)
    model.cfg = config
    if checkpoint is not None:
        load_fusion_weights(model, str(checkpoint), trust_checkpoint)
    return model.to(device).eval()


def load_fusion_weights(model: nn.Module,
                        checkpoint: str,
                        trust_checkpoint: bool = False) -> None:
    """Load the fusion weights of a checkpoint into ``model`` (in place),
    with mmengine's ``load_checkpoint``: the ``state_dict`` entry (or the
    top level), a ``module.`` prefix removed (``revise_keys``), tensors
    cast to the model's dtypes, keys the model lacks ignored.

    The checkpoint's recorded fusion function (``meta``, see
    :func:`~segmif_mm.models.utils.check_fusion_function`) must be the one
    of ``model.cfg``.

    Args:
        model (nn.Module): A ``SegMiF`` with its config as ``model.cfg``.
        checkpoint (str): See :func:`init_fusion_model`.
        trust_checkpoint (bool): See :func:`init_fusion_model`.

    Raises:
        FileNotFoundError: The checkpoint does not exist.
        pickle.UnpicklingError: It holds pickled objects besides tensors
            and local checkpoints are not trusted.
        ValueError: The checkpoint was trained with options that make the
            same weights compute another fused image (named in the
            message; the weights are loaded by then, discard the model).
        KeyError: It lacks fusion weights of the model (the weights it
            holds are loaded by then).
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'Checkpoint {checkpoint} does not exist. Call '
            'init_fusion_model() without a config and checkpoint for the '
            'shipped fusion weights.')
    if trust_checkpoint:
        trust_local_checkpoints()
    try:
        loaded = load_checkpoint(
            model,
            checkpoint,
            map_location='cpu',
            strict=False,
            logger='silent',
            revise_keys=[(r'^module\.', '')])
    except pickle.UnpicklingError as err:
        raise pickle.UnpicklingError(
            f'{checkpoint} holds pickled objects besides tensors (a full '
            'training checkpoint). If you trust it, pass '
            'trust_checkpoint=True, or extract its fusion weights with '
            'tools/model_converters/extract_fusion_weights.py.') from err
    check_fusion_function(
        loaded.get('meta') or {}, model.cfg.model, checkpoint)
    state = loaded.get('state_dict', loaded)
    missing = [k for k in fusion_state_keys(model) if k not in state]
    if missing:
        raise KeyError(
            f'{checkpoint} lacks {len(missing)} fusion weights of this '
            f'model, e.g. {missing[:3]}; use the config it was trained with.')


@torch.no_grad()
def fuse_pair(model: nn.Module,
              ir_path: str,
              vis_path: str,
              loader: Optional[LoadMultiModalImages] = None) -> np.ndarray:
    """Fuse one registered pair with ``model.fuse`` (no segmentation).

    The pair is read by :class:`LoadMultiModalImages` (grey or colour
    visible, 8- or 16-bit and 1- or 3-channel infrared) and fused at its own
    size.

    Args:
        model (nn.Module): A ``SegMiF`` in eval mode.
        ir_path (str): Infrared image file.
        vis_path (str): Visible image file.
        loader (LoadMultiModalImages, optional): Loader with the 16-bit
            rule to use. Defaults to None (``LoadMultiModalImages()``).

    Returns:
        np.ndarray: The fused image, uint8 R, G, B, ``(H, W, 3)``.
    """
    loader = loader or LoadMultiModalImages()
    results = loader(dict(img_path=vis_path, ir_path=ir_path))
    image = np.concatenate([results['img'], results['ir'][..., None]], 2)
    device = next(model.parameters()).device
    inputs = torch.from_numpy(image).permute(2, 0, 1)[None].to(
        device, torch.float32) / 255
    _, fused_rgb, _, _ = model.fuse(inputs)
    return to_uint8(fused_rgb[0]).permute(1, 2, 0).cpu().numpy()
