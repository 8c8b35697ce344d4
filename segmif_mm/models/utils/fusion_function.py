"""The options that decide SegMiF's fused image, besides its weights.

Two SegMiF configs whose fusion heads have the same parameters can still
compute different fused images: HIA's context form (``context_scale``,
``context_axis``), the activations, the DRDB dilations, the guidance source
and normalisation, the guidance backbone's layers. A checkpoint records these
options (:func:`fusion_function`, in ``meta['fusion_function']``) and a model
refuses to load a checkpoint recorded with other options
(:func:`check_fusion_function`), so no loading path silently changes the
function.

The options are read from the model config with every argument that a
config leaves out filled in with the registered class's default (except for
torch's own layers, whose arguments change between torch releases), so an
option given explicitly and the same value taken by default compare equal,
and a changed default is noticed.
"""
import inspect
from typing import Any, Dict, List, Optional

from mmengine.config import Config

from mmseg.registry import MODELS

#: Arguments that do not change what a trained model computes: where its
#: initial weights come from, or what happens only in training.
FUNCTION_FREE_ARGS = frozenset({
    'init_cfg', 'pretrained', 'temperature_init', 'guidance_grad', 'drop_rate',
    'attn_drop_rate', 'drop_path_rate', 'with_cp', 'frozen_stages',
    'norm_eval', 'out_indices', 'guidance_channels'
})
#: The SegMiF arguments that define the fused image.
FUSION_ARGS = ('fusion_head', 'backbone', 'guidance_source', 'backbone_mean',
               'backbone_std')


def _plain(value: Any) -> Any:
    """``value`` as nested dicts, lists, str, int, float, bool and None."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def _with_defaults(cfg: Any) -> Any:
    """A config with each registered class's unset arguments at their
    defaults, recursively, without the arguments that do not change the
    function."""
    if isinstance(cfg, (list, tuple)):
        return [_with_defaults(item) for item in cfg]
    if not isinstance(cfg, dict):
        return _plain(cfg)
    resolved = {}
    if isinstance(cfg.get('type'), str):
        cls = MODELS.get(cfg['type'])
        # torch's own layers (ReLU, LayerNorm ...) gain arguments between
        # torch releases; their defaults would make one file differ by
        # version, so only the arguments a config sets are compared
        if inspect.isclass(cls) and not cls.__module__.startswith('torch.'):
            for name, param in inspect.signature(
                    cls.__init__).parameters.items():
                if param.default is not inspect.Parameter.empty:
                    resolved[name] = param.default
    resolved.update(cfg)
    return {
        key: _with_defaults(value)
        for key, value in resolved.items() if key not in FUNCTION_FREE_ARGS
    }


def fusion_function(model_cfg: dict) -> Optional[Dict[str, Any]]:
    """The options of a model config that decide its fused image.

    Args:
        model_cfg (dict): A model config (``cfg.model``).

    Returns:
        dict | None: ``fusion_head``, ``backbone``, ``guidance_source``,
        ``backbone_mean`` and ``backbone_std`` with defaults filled in
        (plain Python values), or None if the model is not a SegMiF (it has
        no ``fusion_head``).
    """
    if not isinstance(model_cfg, dict) or 'fusion_head' not in model_cfg:
        return None
    resolved = _with_defaults(dict(model_cfg))
    return {name: resolved.get(name) for name in FUSION_ARGS}


def fusion_function_from_meta(meta: dict) -> Optional[Dict[str, Any]]:
    """The fusion function a checkpoint's ``meta`` records.

    ``meta['fusion_function']`` where present; otherwise the one of the
    model in ``meta['cfg']``, the config text mmengine stores in every
    training checkpoint.

    Args:
        meta (dict): A checkpoint's ``meta``.

    Returns:
        dict | None: See :func:`fusion_function`; None if the checkpoint
        records no SegMiF.
    """
    if meta.get('fusion_function') is not None:
        return meta['fusion_function']
    if isinstance(meta.get('cfg'), str):
        cfg = Config.fromstring(meta['cfg'], file_format='.py')
        return fusion_function(cfg.get('model'))
    return None


def _flatten(value: Any, prefix: str = '') -> Dict[str, Any]:
    if isinstance(value, dict):
        items = {}
        for key, item in value.items():
            items.update(_flatten(item, f'{prefix}.{key}' if prefix else key))
        return items
    if isinstance(value, list) and any(
            isinstance(item, (dict, list)) for item in value):
        items = {}
        for i, item in enumerate(value):
            items.update(_flatten(item, f'{prefix}[{i}]'))
        return items
    return {prefix: value}


def fusion_function_differences(recorded: Dict[str, Any],
                                built: Dict[str, Any]) -> List[str]:
    """The options on which two fusion functions differ, one line each.

    Args:
        recorded (dict): :func:`fusion_function` of a checkpoint.
        built (dict): :func:`fusion_function` of a model.

    Returns:
        list[str]: ``model.<option>: checkpoint <value>, model <value>``.
    """
    left, right = _flatten(recorded), _flatten(built)
    missing = '<not set>'
    return [
        f'model.{key}: checkpoint {left.get(key, missing)!r}, model '
        f'{right.get(key, missing)!r}'
        for key in sorted(set(left) | set(right))
        if left.get(key, missing) != right.get(key, missing)
    ]


def check_fusion_function(meta: dict, model_cfg: dict,
                          checkpoint: str) -> None:
    """Refuse a checkpoint whose fused image another model config computes.

    Args:
        meta (dict): The checkpoint's ``meta``.
        model_cfg (dict): Config of the model it is loaded into.
        checkpoint (str): The checkpoint's name, for the message.

    Raises:
        ValueError: Both record a SegMiF and they differ; the message names
            every differing option with both values and the fix.
    """
    recorded = fusion_function_from_meta(meta or {})
    built = fusion_function(model_cfg)
    if recorded is None or built is None:
        return
    differences = fusion_function_differences(recorded, built)
    if differences:
        listing = '\n  '.join(differences)
        raise ValueError(
            f'{checkpoint} was trained with a fusion network that computes '
            f'another fused image than this model would with the same '
            f'weights; they differ in:\n  {listing}\nBuild the model with the '
            "checkpoint's options (set each `model.<option>` above to the "
            "checkpoint's value in your config, or use the config the "
            "checkpoint was trained with: its meta['config'] or "
            "meta['cfg']).")
