import logging

from mmengine.config import ConfigDict
from mmengine.logging import print_log


def enable_amp(optim_wrapper_cfg: ConfigDict) -> None:
    """Switch an optimizer-wrapper config to ``AmpOptimWrapper`` in place.

    Handles a single wrapper config and the per-task configs read by
    ``SegMiFOptimWrapperConstructor`` (each task gets its own loss scaler).
    On CPU, mmengine's ``AmpOptimWrapper`` autocasts to bfloat16.

    Args:
        optim_wrapper_cfg (ConfigDict): ``cfg.optim_wrapper``.
    """
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
            print_log('AMP training is already enabled in your config.',
                      logger='current', level=logging.WARNING)
        elif wrapper_type != 'OptimWrapper':
            raise ValueError('`--amp` needs optimizer wrappers of type '
                             f'`OptimWrapper`, got {wrapper_type}.')
        else:
            wrapper_cfg['type'] = 'AmpOptimWrapper'
            wrapper_cfg['loss_scale'] = 'dynamic'
