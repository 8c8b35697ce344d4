"""Opt-in loading of trusted mmengine checkpoints under torch >= 2.6.

torch 2.6 changed ``torch.load`` to ``weights_only=True`` by default. mmengine
0.10.7 checkpoints hold ``message_hub``/``HistoryBuffer`` objects and numpy
scalars in their ``meta``, so resuming, ``load_from`` and ``tools/test.py``
fail with an ``UnpicklingError``. :func:`trust_local_checkpoints` is the one
place that changes this: it re-registers mmengine's loader for local paths
(the ``''`` prefix of ``CheckpointLoader``) so that local files are unpickled
in full, for the rest of the process.

Unpickling can execute code, so this is never done on import. It is an
explicit opt-in:

* the tools in ``tools/`` call it (they load the checkpoints you name);
* in a config run by any runner (e.g. MMSeg's own ``tools/train.py``), add
  ``custom_hooks = [dict(type='TrustLocalCheckpointsHook')]``;
* in Python, call it yourself or pass ``trust_checkpoint=True`` to
  :func:`segmif_mm.apis.init_model`.

Only load checkpoints you trust. Remote schemes (``http://``, ``s3://`` ...)
are untouched and nothing is ever downloaded.
"""
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.runner.checkpoint import CheckpointLoader


def load_trusted_checkpoint(
        filename: str,
        map_location: Optional[Union[str, torch.device]] = None) -> dict:
    """Load a local checkpoint file with full unpickling.

    Args:
        filename (str): Path of a checkpoint written by mmengine/torch.
        map_location (str | torch.device, optional): Same as ``torch.load``.

    Returns:
        dict: The loaded checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'Checkpoint {filename} does not exist. Check the path given to '
            '`load_from`, `--resume` or `init_cfg.checkpoint`.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def trust_local_checkpoints() -> None:
    """Unpickle local checkpoint files in full from now on (this process).

    Registers :func:`load_trusted_checkpoint` as mmengine's loader for local
    paths. Idempotent.
    """
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_trusted_checkpoint, force=True)
