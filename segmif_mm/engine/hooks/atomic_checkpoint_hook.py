import glob
import os
import os.path as osp
import shutil

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from mmseg.registry import HOOKS
from segmif_mm.utils import write_atomically


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with checkpoints that survive a kill
    (SIGKILL, OOM killer, pre-emption) at any moment.

    What mmengine 0.10 does, and what this hook changes (local ``out_dir``;
    other backends keep mmengine's behaviour):

    * mmengine writes ``iter_N.pth`` in place, so a kill mid-write leaves a
      truncated file under a checkpoint's name. Here it is written under a
      hidden temporary name, flushed to disk and renamed: a file with a
      checkpoint's name is always complete.
    * mmengine rewrites ``last_checkpoint`` (what ``--resume`` loads) in
      place; a kill between truncation and write leaves it empty and resume
      fails. Here it is replaced atomically, after the checkpoint is
      complete.
    * with ``max_keep_ckpts``, mmengine deletes the oldest checkpoint
      *before* saving the new one; with ``max_keep_ckpts=1`` that is the
      one ``last_checkpoint`` names, so a kill during the save leaves
      nothing to resume from. Here outdated checkpoints are deleted only
      after ``last_checkpoint`` names the new one.

    Temporary files left by a killed run are removed at the next start.
    Arguments are those of :class:`mmengine.hooks.CheckpointHook`.

    Example:
        >>> default_hooks = dict(checkpoint=dict(
        >>>     type='AtomicCheckpointHook', by_epoch=False, interval=15000,
        >>>     max_keep_ckpts=3))
    """

    def before_train(self, runner) -> None:
        """Set up as mmengine does, then remove leftovers of killed saves."""
        super().before_train(runner)
        if not (self._is_local() and is_main_process()):
            return
        stem = osp.splitext(self.filename_tmpl.format('*'))[0]
        for pattern in (osp.join(self.out_dir, f'.{stem}.*.tmp*'),
                        osp.join(runner.work_dir, '.last_checkpoint.*.tmp')):
            for leftover in glob.glob(pattern):
                os.remove(leftover)
                runner.logger.info(f'Removed {leftover}, a checkpoint save '
                                   'that did not finish.')

    def _is_local(self) -> bool:
        return isinstance(self.file_backend, LocalBackend)

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        """Save ``filename_tmpl.format(step)`` atomically, then point
        ``last_checkpoint`` at it, then delete outdated checkpoints."""
        if not self._is_local():
            super()._save_checkpoint_with_step(runner, step, meta)
            return
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        self.last_ckpt = osp.join(self.out_dir,
                                  self.filename_tmpl.format(step))
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        if not is_main_process():
            return

        def save(tmp: str) -> None:
            runner.save_checkpoint(
                osp.dirname(tmp),
                osp.basename(tmp),
                self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta,
                by_epoch=self.by_epoch,
                backend_args=self.backend_args,
                **self.args)

        def point_at_it(tmp: str) -> None:
            with open(tmp, 'w') as f:
                f.write(self.last_ckpt)

        write_atomically(self.last_ckpt, save, fsync=True)
        write_atomically(
            osp.join(runner.work_dir, 'last_checkpoint'),
            point_at_it,
            fsync=True)
        if outdated is not None:
            path = osp.join(self.out_dir, self.filename_tmpl.format(outdated))
            if osp.isdir(path):  # checkpoints saved by deepspeed
                shutil.rmtree(path)
            elif osp.isfile(path):
                os.remove(path)
