"""Distributed training on CPU-only machines (``--launcher pytorch``)."""
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def init_cpu_distributed(cfg: Config) -> None:
    """Start a gloo process group for ``--launcher pytorch`` without CUDA.

    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device``, which
    fails on CPU-only machines. When no GPU is visible and the job was started
    by torchrun, this initialises the process group with gloo first; the
    Runner then finds it initialised and skips its own set-up. With CUDA it
    does nothing, so GPU jobs keep the config's backend (nccl). CPU modules
    must be wrapped by DDP without ``device_ids``, so the model wrapper config
    gets ``device_ids=None``.

    Args:
        cfg (Config): The job's config; ``cfg.launcher`` must be set.
    """
    if (cfg.get('launcher') != 'pytorch' or torch.cuda.is_available()
            or torch_dist.is_initialized()):
        return
    missing = [
        k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
        if k not in os.environ
    ]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch needs the environment variables {missing}; '
            'start the job with torchrun (tools/dist_train.sh).')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = \
        'gloo'
    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    torch_dist.init_process_group(backend='gloo')
