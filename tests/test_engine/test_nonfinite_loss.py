"""A non-finite loss stops training, naming where it came from, or (opt-in)
skips the update, counted across resume."""
import copy

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from training_helpers import alternating_train_config

from mmseg.registry import HOOKS
from segmif_mm.engine.optimizers import NonFiniteLossError

# 2 rounds of 3 fusion + 2 seg iterations: fusion 1-3 and 6-8, seg 4-5, 9-10
KWARGS = dict(num_rounds=2, fusion_iters=3, seg_iters=2)


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def unwrap(model):
    return model.module if is_model_wrapper(model) else model


class Stop(Exception):
    """Ends a run after an iteration, as a kill would."""


@HOOKS.register_module(force=True)
class NaNLossHook(Hook):
    """Makes ``fusion.loss_ssim`` NaN in the given (1-based) iterations and
    records the parameters after every iteration."""

    priority = 'LOWEST'

    def __init__(self, nan_iters=(), stop_after=-1):
        self.nan_iters = set(nan_iters)
        self.stop_after = stop_after
        self.params = {}
        self._handle = None

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 in self.nan_iters:

            def nan(module, args, outputs):
                outputs['loss_ssim'] = outputs['loss_ssim'] * float('nan')
                return outputs

            self._handle = unwrap(
                runner.model).fusion_loss.register_forward_hook(nan)

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
        self.params[runner.iter + 1] = {
            n: p.detach().clone()
            for n, p in unwrap(runner.model).named_parameters()
        }
        if runner.iter + 1 == self.stop_after:
            raise Stop


def build(work_dir,
          data_root,
          model,
          mode=None,
          checkpoint_interval=100,
          resume=False,
          **hook):
    cfg = alternating_train_config(
        work_dir,
        data_root,
        copy.deepcopy(model),
        checkpoint_interval=checkpoint_interval,
        custom_hooks=[dict(type='NaNLossHook', **hook)],
        **KWARGS)
    if mode is not None:
        cfg.train_cfg.nonfinite_loss = mode
    cfg.resume = resume
    return Runner.from_cfg(cfg)


def nan_hook(runner):
    return next(h for h in runner.hooks if isinstance(h, NaNLossHook))


def run_log(work_dir) -> str:
    """The text of the runs' log files in ``work_dir``."""
    return ''.join(path.read_text()
                   for path in sorted(work_dir.glob('*/*.log')))


def same(a, b):
    return all(torch.equal(a[name], b[name]) for name in a)


def test_nonfinite_loss_stops_training_naming_where(tmp_path, demo_data_root,
                                                    tiny_segmif_cfg):
    runner = build(tmp_path, demo_data_root, tiny_segmif_cfg, nan_iters=[7])
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    message = str(info.value)
    assert message.startswith(
        'Iteration 7 (round 2/2, fusion phase): Non-finite loss: '
        'fusion.loss_ssim = nan, ')
    assert "train_cfg.nonfinite_loss='skip'" in message
    assert 'No parameter was updated' in message
    assert runner.iter == 6
    # the weights are those after iteration 6: nothing stepped
    hook = nan_hook(runner)
    assert sorted(hook.params) == [1, 2, 3, 4, 5, 6]
    now = {n: p.detach() for n, p in unwrap(runner.model).named_parameters()}
    assert same(now, hook.params[6])
    # the optimizer wrapper keeps the loss dicts with one forward hook,
    # registered once, not once per iteration
    assert len(unwrap(runner.model)._forward_hooks) == 1


def test_skip_mode_counts_and_logs_and_survives_resume(tmp_path,
                                                       demo_data_root,
                                                       tiny_segmif_cfg):
    # first run: NaN at 2 (fusion), checkpoint at 4, "killed" after 5
    first = build(
        tmp_path,
        demo_data_root,
        tiny_segmif_cfg,
        mode='skip',
        checkpoint_interval=4,
        nan_iters=[2],
        stop_after=5)
    with pytest.raises(Stop):
        first.train()
    params = nan_hook(first).params
    assert same(params[2], params[1])  # the NaN update was skipped
    assert not same(params[3], params[2])  # training went on
    assert first.message_hub.get_info('skipped_nonfinite_updates') == 1
    log = run_log(tmp_path)
    assert ('WARNING - Iteration 2 (round 1/2, fusion phase): Non-finite '
            'loss: fusion.loss_ssim = nan') in log
    assert 'Update skipped (1 skipped so far).' in log

    # resumed from iteration 4: the count goes on from the checkpoint
    resumed = build(
        tmp_path,
        demo_data_root,
        tiny_segmif_cfg,
        mode='skip',
        resume=True,
        nan_iters=[7])
    resumed.train()
    assert resumed.iter == 10
    assert resumed.message_hub.get_info('skipped_nonfinite_updates') == 2
    assert 'Update skipped (2 skipped so far).' in run_log(tmp_path)
    params = nan_hook(resumed).params
    assert same(params[7], params[6])
    weights = unwrap(resumed.model).task_weights
    assert all(torch.isfinite(torch.tensor(w)) for w in weights.values())
    for name, param in unwrap(resumed.model).named_parameters():
        assert torch.isfinite(param).all(), name


def test_unknown_mode(tmp_path, demo_data_root, tiny_segmif_cfg):
    with pytest.raises(ValueError, match="nonfinite_loss must be one of"):
        build(tmp_path, demo_data_root, tiny_segmif_cfg, mode='ignore').train()


def test_runs_built_in_the_same_second_log_to_their_own_files(
        tmp_path, demo_data_root, tiny_segmif_cfg, monkeypatch):
    # The Runner names its logger by the second it was built in; the log
    # checks above read each run's own file, so the helper names each run.
    monkeypatch.setattr('time.time', lambda: 1_764_957_794.0)
    runners = [
        build(tmp_path / name, demo_data_root, tiny_segmif_cfg)
        for name in ('first', 'second')
    ]
    for name, runner in zip(('first', 'second'), runners):
        runner.logger.warning(f'from the {name} run')
    assert 'from the second run' not in run_log(tmp_path / 'first')
    assert 'from the second run' in run_log(tmp_path / 'second')
