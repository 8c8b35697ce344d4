import logging

from mmengine.config import ConfigDict
from mmengine.device import get_device
from mmengine.logging import print_log


def enable_amp(optim_wrapper_cfg: ConfigDict) -> None:
    """Switch an optimizer-wrapper config to ``AmpOptimWrapper`` in place.

    Handles a single wrapper config and the per-task configs read by
    ``SegMiFOptimWrapperConstructor`` (each task gets its own loss scaler).
    mmengine's ``AmpOptimWrapper`` (float16 autocast with a dynamic loss
    scale by default) trains on GPU, NPU, MLU or MUSA devices only.

    Args:
        optim_wrapper_cfg (ConfigDict): ``cfg.optim_wrapper``.

    Raises:
        RuntimeError: No such device is available (CPU only).
        ValueError: The config has no optimizer wrapper, or one of a type
            other than ``OptimWrapper``/``AmpOptimWrapper``.
    """
    if get_device() == 'cpu':
        raise RuntimeError(
            '`--amp` needs a GPU (CUDA, NPU, MLU or MUSA): mmengine\'s '
            'AmpOptimWrapper cannot train on CPU. Train without --amp on '
            'this machine (float32).')
    if 'optimizer' in optim_wrapper_cfg:
        wrapper_cfgs = [optim_wrapper_cfg]
    else:
        wrapper_cfgs = [
            value for value in optim_wrapper_cfg.values()
            if isinstance(value, dict) and 'optimizer' in value
        ]
    if not wrapper_cfgs:
        raise ValueError('`--amp`: found no optimizer-wrapper config with an '
                         f'`optimizer` in {optim_wrapper_cfg}.')
    for wrapper_cfg in wrapper_cfgs:
        wrapper_type = wrapper_cfg.get('type', 'OptimWrapper')
        if wrapper_type == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        elif wrapper_type != 'OptimWrapper':
            raise ValueError('`--amp` needs optimizer wrappers of type '
                             f'`OptimWrapper`, got {wrapper_type}.')
        else:
            wrapper_cfg['type'] = 'AmpOptimWrapper'
            wrapper_cfg['loss_scale'] = 'dynamic'
