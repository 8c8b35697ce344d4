import math
from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub

from segmif_mm.engine.hooks import DynamicTaskWeightHook


def make_runner(phase='fusion'):
    model = SimpleNamespace(phase=phase, task_weights=None)
    return SimpleNamespace(
        model=model,
        iter=0,
        message_hub=MessageHub.get_instance('test_dynamic_task_weight'))


def eq9(rates, etas, temperature):
    """Eq. 9 written out directly."""
    denom = sum(math.exp(r / temperature) for r in rates.values())
    return {
        t: etas[t] * math.exp(rates[t] / temperature) / denom
        for t in rates
    }


def feed(hook, runner, losses):
    for fusion, seg in losses:
        hook.after_train_iter(
            runner, 0, outputs=dict(task_fusion=fusion, task_seg=seg))
        runner.iter += 1


def test_lambda_follows_eq9_on_scripted_losses():
    etas = dict(fusion=1.5, seg=0.7)
    hook = DynamicTaskWeightHook(temperature=0.5, etas=etas, window=2)
    runner = make_runner()
    hook.before_train(runner)
    # before two windows are complete: equal rates -> eta_i / K
    assert runner.model.task_weights == pytest.approx(
        dict(fusion=0.75, seg=0.35))
    # windows: (4, 2) (means of [3,5] and [1,3]) then (2, 1.5)
    feed(hook, runner, [(3., 1.), (5., 3.), (1., 2.), (3., 1.)])
    rates = dict(fusion=2.0 / 4.0, seg=1.5 / 2.0)
    assert runner.model.task_weights == pytest.approx(eq9(rates, etas, 0.5))
    # next window (1, 3): rates relative to the previous window
    feed(hook, runner, [(1., 3.), (1., 3.)])
    rates = dict(fusion=1.0 / 2.0, seg=3.0 / 1.5)
    expected = eq9(rates, etas, 0.5)
    assert runner.model.task_weights == pytest.approx(expected)
    assert runner.message_hub.get_scalar(
        'train/lambda_seg').current() == pytest.approx(expected['seg'])
    # the faster-converging task (smaller rate) gets the smaller weight
    assert expected['fusion'] / etas['fusion'] < expected['seg'] / etas['seg']


def test_other_phases_do_not_count():
    hook = DynamicTaskWeightHook(window=1)
    runner = make_runner(phase='seg')
    feed(hook, runner, [(1., 1.)] * 5)
    assert hook.history == []


def test_state_round_trips_through_checkpoint():
    hook = DynamicTaskWeightHook(temperature=1.0, window=3)
    runner = make_runner()
    feed(hook, runner, [(4., 2.)] * 3 + [(2., 2.)] * 3 + [(1., 1.)])
    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    restored = DynamicTaskWeightHook(temperature=1.0, window=3)
    runner2 = make_runner()
    restored.after_load_checkpoint(runner2, checkpoint)
    assert runner2.model.task_weights == hook.weights
    # the partial window continues: two more iterations close it
    feed(hook, runner, [(1., 1.)] * 2)
    feed(restored, runner2, [(1., 1.)] * 2)
    assert restored.history == hook.history
    assert restored.weights == pytest.approx(hook.weights)


def test_missing_task_outputs_are_reported():
    hook = DynamicTaskWeightHook()
    with pytest.raises(KeyError, match='task_seg'):
        hook.after_train_iter(make_runner(), 0, outputs=dict(task_fusion=1.))


def test_invalid_arguments():
    with pytest.raises(ValueError, match='temperature'):
        DynamicTaskWeightHook(temperature=0)


@pytest.mark.parametrize('reset', [False, True])
def test_windows_across_a_segmentation_phase(reset):
    etas = dict(fusion=2.0, seg=2.0)
    hook = DynamicTaskWeightHook(
        temperature=1.0, etas=etas, window=1, reset_per_phase=reset)
    runner = make_runner()
    hook.before_train(runner)
    # round 1, fusion phase: windows (4, 4) then (2, 2)
    feed(hook, runner, [(4., 4.), (2., 2.)])
    after_round_1 = dict(runner.model.task_weights)
    assert after_round_1 == pytest.approx(
        eq9(dict(fusion=0.5, seg=0.5), etas, 1.0))
    # the segmentation phase: 3 iterations not counted
    runner.model.phase = 'seg'
    feed(hook, runner, [(9., 9.)] * 3)
    runner.model.phase = 'fusion'
    # round 2 starts with (2, 1): the segmentation phase halved L_seg
    feed(hook, runner, [(2., 1.)])
    if reset:
        # a new span: one window only, λ stays as it was
        assert runner.model.task_weights == pytest.approx(after_round_1)
        feed(hook, runner, [(1., 0.5)])
        rates = dict(fusion=1.0 / 2.0, seg=0.5 / 1.0)
    else:
        # compared with the last window of round 1
        rates = dict(fusion=2.0 / 2.0, seg=1.0 / 2.0)
    assert runner.model.task_weights == pytest.approx(eq9(rates, etas, 1.0))


def test_reset_state_survives_a_checkpoint():
    hook = DynamicTaskWeightHook(window=1, reset_per_phase=True)
    runner = make_runner()
    feed(hook, runner, [(4., 4.), (2., 2.)])
    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    restored = DynamicTaskWeightHook(window=1, reset_per_phase=True)
    restored.after_load_checkpoint(runner, checkpoint)
    # the next counted iteration follows the saved one: no reset
    feed(restored, runner, [(1., 1.)])
    assert len(restored.history) == 3
