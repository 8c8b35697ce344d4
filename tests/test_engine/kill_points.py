"""Test-only: SIGKILL a training process at a chosen point.

Imported by the kill/resume test's configs through ``custom_imports``
(``tests/test_engine`` on ``PYTHONPATH``). Before dying, the hook writes
``killed.json`` in the work dir: iteration, moment and phase, so the test
knows where the kill landed.
"""
import json
import os
import os.path as osp
import signal

from mmengine.fileio import LocalBackend
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmseg.registry import HOOKS

MOMENTS = ('forward', 'after_update', 'phase_start', 'checkpoint_write')


@HOOKS.register_module()
class SigkillHook(Hook):
    """SIGKILL this process at ``moment`` of 1-based ``iteration``:

    * ``'forward'``: inside the fusion head's forward (mid-iteration, before
      the update);
    * ``'after_update'``: after the optimizer step, before the iteration's
      checkpoint;
    * ``'phase_start'``: at the start of the iteration, after the loop set
      its phase (use the first iteration of a phase);
    * ``'checkpoint_write'``: half-way through writing the iteration's
      checkpoint file.
    """

    priority = 'HIGH'  # before CheckpointHook in after_train_iter

    def __init__(self, iteration: int, moment: str) -> None:
        assert moment in MOMENTS, moment
        self.iteration = iteration
        self.moment = moment

    def die(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        with open(osp.join(runner.work_dir, 'killed.json'), 'w') as f:
            json.dump(
                dict(
                    iteration=runner.iter + 1,
                    moment=self.moment,
                    phase=model.phase), f)
        os.kill(os.getpid(), signal.SIGKILL)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 != self.iteration:
            return
        if self.moment == 'phase_start':
            self.die(runner)
        elif self.moment == 'forward':
            model = runner.model.module if is_model_wrapper(
                runner.model) else runner.model
            model.fusion_head.register_forward_hook(
                lambda *args: self.die(runner))
        elif self.moment == 'checkpoint_write':
            hook = self

            def put(backend, obj, filepath):
                with open(filepath, 'wb') as f:
                    f.write(obj[:len(obj) // 2])
                    f.flush()
                hook.die(runner)

            LocalBackend.put = put

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iteration and \
                self.moment == 'after_update':
            self.die(runner)
