"""The alternating loop, per-phase optimizers/schedulers and resume, run for
real on a tiny SegMiF and the demo data."""
import copy

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from training_helpers import alternating_train_config, expected_task_weights

from mmseg.registry import HOOKS

FUSION_PREFIX = 'fusion_head.'
SEG_PREFIXES = ('backbone.', 'decode_head.')


def unwrap(model):
    return model.module if is_model_wrapper(model) else model


class StopTraining(Exception):
    """Raised to 'kill' a run after a given iteration."""


@HOOKS.register_module(force=True)
class RecordPhaseHook(Hook):
    """Records phase, learning rates, which parameters changed, the task
    losses the model returned and λ (set and logged)."""

    priority = 'LOWEST'

    def __init__(self, stop_after: int = -1) -> None:
        self.stop_after = stop_after
        self.records = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._before = {
            n: p.detach().clone()
            for n, p in unwrap(runner.model).named_parameters()
        }

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        model = unwrap(runner.model)
        changed = {
            n
            for n, p in model.named_parameters()
            if not torch.equal(p.detach(), self._before[n])
        }
        lrs = runner.optim_wrapper.get_lr()
        hub = runner.message_hub
        self.records.append(
            dict(
                phase=model.phase,
                changed=changed,
                lr_fusion=lrs['fusion.lr'][0],
                lr_seg=lrs['seg.lr'][0],
                losses={
                    task: float(outputs[f'task_{task}'])
                    for task in ('fusion', 'seg') if f'task_{task}' in outputs
                },
                weights=dict(model.task_weights),
                logged={
                    task: hub.get_scalar(f'train/lambda_{task}').current()
                    for task in ('fusion', 'seg')
                    if f'train/lambda_{task}' in hub.log_scalars
                }))
        if runner.iter + 1 == self.stop_after:
            raise StopTraining


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def run(cfg):
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


#: λ settings of the recorded run: T != 1 and unequal η, so that a rule
#: that drops T or mixes up the tasks shows; windows of 2 fusion iterations,
#: so that one window spans two rounds.
TASK_WEIGHT_HOOK = dict(
    type='DynamicTaskWeightHook',
    temperature=0.5,
    etas=dict(fusion=1.5, seg=2.5),
    window=2)


def recorded_config(work_dir, data_root, model):
    """Two rounds of 3 fusion + 2 segmentation iterations, each recorded by
    RecordPhaseHook."""
    return alternating_train_config(
        work_dir,
        data_root,
        model,
        num_rounds=2,
        fusion_iters=3,
        seg_iters=2,
        custom_hooks=[dict(type='RecordPhaseHook')],
        task_weight_hook=TASK_WEIGHT_HOOK)


def record_hook(runner):
    return next(h for h in runner.hooks if isinstance(h, RecordPhaseHook))


def test_phases_parameters_and_schedules(tmp_path, demo_data_root,
                                         tiny_segmif_cfg):
    cfg = recorded_config(tmp_path, demo_data_root, tiny_segmif_cfg)
    records = record_hook(run(cfg)).records

    assert [r['phase'] for r in records] == (['fusion'] * 3 + ['seg'] * 2) * 2
    for r in records:
        fusion_changed = {
            n
            for n in r['changed'] if n.startswith(FUSION_PREFIX)
        }
        seg_changed = {n for n in r['changed'] if n.startswith(SEG_PREFIXES)}
        if r['phase'] == 'fusion':
            assert fusion_changed and not seg_changed
        else:
            assert seg_changed and not fusion_changed

    # LinearLR over phase-local iterations (mmengine reaches end_factor at
    # step end - begin - 1): fusion 1.0 -> 0.5 over 6 fusion iterations, seg
    # 1.0 -> 0.25 over 4 seg iterations; each schedule is frozen while the
    # other phase trains.
    def linear(step, end_factor, total):
        return 1e-3 * (1 - (1 - end_factor) * min(step, total - 1) /
                       (total - 1))

    fusion_count = seg_count = 0
    for r in records:
        fusion_count += r['phase'] == 'fusion'
        seg_count += r['phase'] == 'seg'
        assert r['lr_fusion'] == pytest.approx(linear(fusion_count, 0.5, 6))
        assert r['lr_seg'] == pytest.approx(linear(seg_count, 0.25, 4))
    assert records[-1]['lr_fusion'] == pytest.approx(0.5e-3)
    assert records[-1]['lr_seg'] == pytest.approx(0.25e-3)

    # λ from eq. 8-9 on the task losses of the fusion iterations (windows
    # of 2: fusion iterations 1-2, 3-4 (across the seg phase), 5-6).
    fusion_losses = [r['losses'] for r in records if r['phase'] == 'fusion']
    assert all(set(losses) == {'fusion', 'seg'} for losses in fusion_losses)
    assert all(r['losses'] == {} for r in records if r['phase'] == 'seg')
    expected = expected_task_weights(
        [r['losses'] if r['phase'] == 'fusion' else None
         for r in records], TASK_WEIGHT_HOOK['temperature'],
        TASK_WEIGHT_HOOK['etas'], TASK_WEIGHT_HOOK['window'])
    for i, (r, weights) in enumerate(zip(records, expected)):
        assert r['weights'] == pytest.approx(weights, rel=1e-9, abs=0), i
    # set at fusion iterations 4 and 6 (records 5 and 7), logged as set
    assert expected[5] != expected[4] and expected[7] != expected[5]
    assert expected[0] == pytest.approx(dict(fusion=0.75, seg=1.25))
    assert records[-1]['logged'] == pytest.approx(records[-1]['weights'])


def test_kill_and_resume_matches_uninterrupted_run(tmp_path, demo_data_root,
                                                   tiny_segmif_cfg,
                                                   monkeypatch):
    # On CPU everywhere: CUDA kernels with atomic adds (e.g. the backward of
    # bilinear resizing) are not bitwise reproducible between two runs.
    monkeypatch.setattr('mmengine.runner.runner.get_device', lambda: 'cpu')
    kwargs = dict(num_rounds=2, fusion_iters=3, seg_iters=3)
    straight = run(
        alternating_train_config(tmp_path / 'straight', demo_data_root,
                                 copy.deepcopy(tiny_segmif_cfg), **kwargs))

    # "kill" after iteration 8: mid fusion phase of round 2 (iters 7-9),
    # right after the checkpoint at iteration 8.
    killed_cfg = alternating_train_config(
        tmp_path / 'resumed',
        demo_data_root,
        copy.deepcopy(tiny_segmif_cfg),
        checkpoint_interval=8,
        custom_hooks=[dict(type='RecordPhaseHook', stop_after=8)],
        **kwargs)
    with pytest.raises(StopTraining):
        run(killed_cfg)
    resumed_cfg = alternating_train_config(tmp_path / 'resumed',
                                           demo_data_root,
                                           copy.deepcopy(tiny_segmif_cfg),
                                           **kwargs)
    resumed_cfg.resume = True
    resumed = run(resumed_cfg)

    assert resumed.iter == straight.iter == 12
    assert unwrap(resumed.model).task_weights == pytest.approx(
        unwrap(straight.model).task_weights)
    straight_state = unwrap(straight.model).state_dict()
    for name, value in unwrap(resumed.model).state_dict().items():
        torch.testing.assert_close(
            value, straight_state[name], rtol=0, atol=1e-6, msg=name)


@pytest.mark.cuda
def test_cuda_amp_training(tmp_path, demo_data_root, tiny_segmif_cfg):
    from mmengine.optim import AmpOptimWrapper

    from segmif_mm.engine.optimizers import enable_amp
    cfg = recorded_config(tmp_path, demo_data_root, tiny_segmif_cfg)
    enable_amp(cfg.optim_wrapper)
    runner = run(cfg)
    model = unwrap(runner.model)
    assert next(model.parameters()).device.type == 'cuda'
    for name in ('fusion', 'seg'):
        wrapper = runner.optim_wrapper[name]
        assert isinstance(wrapper, AmpOptimWrapper), name
        assert wrapper.cast_dtype is None or wrapper.cast_dtype == \
            torch.float16
    records = record_hook(runner).records
    assert [r['phase'] for r in records] == (['fusion'] * 3 + ['seg'] * 2) * 2
    # a skipped step (fp16 overflow, scale lowered) changes nothing, but
    # every phase must have trained at least once
    assert any(r['changed'] for r in records if r['phase'] == 'fusion')
    assert any(r['changed'] for r in records if r['phase'] == 'seg')
    for name, param in model.named_parameters():
        assert torch.isfinite(param).all(), name
