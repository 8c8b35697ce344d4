import glob
import os.path as osp
import re
from pathlib import Path
from typing import List, Optional

from mmengine.dist import barrier, is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from mmseg.registry import HOOKS
from segmif_mm.utils import (atomic_backend_args, temporary_pattern,
                             write_atomically)

#: Runtime info of the message hub: the checkpoints kept, oldest first.
KEPT_CHECKPOINTS = 'kept_checkpoints'


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with checkpoints that survive a kill
    (SIGKILL, OOM killer, pre-emption) at any moment.

    mmengine's hook saves as usual (``Runner.save_checkpoint`` on every
    rank, so sharded strategies work); this hook changes, through mmengine's
    public interfaces and for a local ``out_dir`` (other storage keeps
    mmengine's behaviour):

    * **the checkpoint file**: mmengine writes ``iter_N.pth`` in place, so
      a kill mid-write leaves a truncated file under a checkpoint's name.
      Here the file backend is :class:`~segmif_mm.utils.AtomicLocalBackend`
      (``backend_args``): the file is written under a hidden temporary
      name, flushed to disk and renamed, so a file with a checkpoint's name
      is always complete. Temporary files of a killed save are removed at
      the next start.
    * **outdated checkpoints**: with ``max_keep_ckpts``, mmengine deletes
      the oldest checkpoint *before* saving the new one; with
      ``max_keep_ckpts=1`` that is the one ``last_checkpoint`` names, so a
      kill during the save leaves nothing to resume from. Here mmengine
      deletes nothing; this hook deletes outdated checkpoints after the
      save has finished and ``last_checkpoint`` names the new one.
    * **last_checkpoint** (what ``--resume`` loads) is written by mmengine,
      in place, once the checkpoint is complete. Should a kill land between
      its truncation and its write, it would name no checkpoint; before a
      run starts (``before_run``, ahead of the resume) such a
      ``last_checkpoint`` is pointed at the newest complete checkpoint.

    Arguments are those of :class:`mmengine.hooks.CheckpointHook`.

    Example:
        >>> default_hooks = dict(checkpoint=dict(
        >>>     type='AtomicCheckpointHook', by_epoch=False, interval=15000,
        >>>     max_keep_ckpts=3))
    """

    def __init__(self, max_keep_ckpts: int = -1, **kwargs) -> None:
        # mmengine would delete before saving: this hook deletes after.
        super().__init__(max_keep_ckpts=-1, **kwargs)
        self.num_kept = max_keep_ckpts
        self.kept: List[str] = []

    def _is_local(self, runner) -> bool:
        return '://' not in str(self.out_dir or runner.work_dir)

    def before_run(self, runner) -> None:
        """Point a ``last_checkpoint`` that names no checkpoint at the
        newest complete one, before the runner resumes from it."""
        if self._is_local(runner) and is_main_process():
            self._repair_last_checkpoint(runner)
        barrier()

    def _repair_last_checkpoint(self, runner) -> None:
        pointer = osp.join(runner.work_dir, 'last_checkpoint')
        if not osp.isfile(pointer):
            return
        with open(pointer) as f:
            named = f.read().strip()
        if named and osp.isfile(named):
            return
        newest = self._newest_checkpoint(self._checkpoint_folder(runner))
        if newest is None:
            return
        write_atomically(pointer, lambda tmp: Path(tmp).write_text(newest))
        runner.logger.warning(
            f'{pointer} named {named!r}, no checkpoint (a run killed while '
            f'mmengine rewrote it); it now names {newest}, the newest '
            'complete checkpoint.')

    def _checkpoint_folder(self, runner) -> str:
        """Where mmengine's ``before_train`` puts the checkpoints."""
        if self.out_dir is None:
            return runner.work_dir
        return osp.join(self.out_dir,
                        osp.basename(runner.work_dir.rstrip(osp.sep)))

    def _newest_checkpoint(self, folder: str) -> Optional[str]:
        """The checkpoint of ``filename_tmpl`` with the largest step."""
        pattern = re.compile(
            re.escape(self.filename_tmpl).replace(r'\{\}', r'(\d+)') + '$')
        steps = {}
        for path in glob.glob(
                osp.join(folder, self.filename_tmpl.format('*'))):
            match = pattern.match(osp.basename(path))
            if match:
                steps[int(match.group(1))] = path
        return steps[max(steps)] if steps else None

    def before_train(self, runner) -> None:
        """Write through the atomic backend, set up as mmengine does, then
        restore the kept checkpoints and remove leftovers of killed
        saves."""
        if self.file_client_args is None and self._is_local(runner):
            self.backend_args = atomic_backend_args(
                self.out_dir or runner.work_dir, self.backend_args, fsync=True)
        super().before_train(runner)
        hub = runner.message_hub
        self.kept = list(hub.get_info(KEPT_CHECKPOINTS, []))
        # The checkpoint resumed from: saved before it could list itself.
        resumed = hub.get_info('last_ckpt')
        if resumed and resumed not in self.kept:
            self.kept.append(resumed)
        if is_main_process() and isinstance(self.file_backend, LocalBackend):
            patterns = (osp.join(self.out_dir, self.filename_tmpl.format('*')),
                        osp.join(runner.work_dir, 'last_checkpoint'))
            for leftover in (
                    path for pattern in patterns
                    for path in glob.glob(temporary_pattern(pattern))):
                self.file_backend.remove(leftover)
                runner.logger.info(f'Removed {leftover}, a checkpoint save '
                                   'that did not finish.')
        self._remove_outdated(runner)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        super().after_train_iter(runner, batch_idx, data_batch, outputs)
        self._remove_outdated(runner)

    def after_train_epoch(self, runner) -> None:
        super().after_train_epoch(runner)
        self._remove_outdated(runner)

    def after_val_epoch(self, runner, metrics) -> None:
        super().after_val_epoch(runner, metrics)
        self._remove_outdated(runner)

    def _remove_outdated(self, runner) -> None:
        """Record the checkpoint mmengine saved last, then delete those
        beyond ``max_keep_ckpts`` (on the main process)."""
        if self.num_kept <= 0:
            return
        if self.last_ckpt is not None and self.last_ckpt not in self.kept:
            self.kept.append(self.last_ckpt)
        outdated = self.kept[:-self.num_kept]
        self.kept = self.kept[-self.num_kept:]
        runner.message_hub.update_info(KEPT_CHECKPOINTS, list(self.kept))
        if not is_main_process():
            return
        for path in outdated:
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # saved by deepspeed
                self.file_backend.rmtree(path)
