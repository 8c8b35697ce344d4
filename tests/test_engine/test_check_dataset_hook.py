"""A broken split fails training before its first iteration, with the full
list of its problems."""
import copy
import re

import pytest
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from training_helpers import alternating_train_config

from mmseg.registry import HOOKS
from segmif_mm.datasets import DatasetCheckError


@HOOKS.register_module(force=True)
class CountIterationsHook(Hook):

    def __init__(self):
        self.iterations = 0

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.iterations += 1


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def config(work_dir, data_root, model):
    cfg = alternating_train_config(
        work_dir,
        data_root,
        copy.deepcopy(model),
        num_rounds=1,
        fusion_iters=1,
        seg_iters=1,
        custom_hooks=[dict(type='CountIterationsHook')])
    cfg.default_hooks.check_dataset = dict(
        type='CheckDatasetHook', num_workers=2)
    return cfg


def counter(runner):
    return next(h for h in runner.hooks if isinstance(h, CountIterationsHook))


def test_broken_split_fails_before_the_first_iteration(tmp_path,
                                                       broken_demo_split,
                                                       tiny_segmif_cfg):
    root, expected = broken_demo_split
    runner = Runner.from_cfg(config(tmp_path, root, tiny_segmif_cfg))
    with pytest.raises(DatasetCheckError) as info:
        runner.train()
    assert counter(runner).iterations == 0
    message = str(info.value)
    assert message.startswith(
        '7 problem(s) in 6 of 8 samples of the training split:\n')
    assert 'tools/misc/check_dataset.py' in message
    found = {}
    for name, problem in info.value.problems:
        found.setdefault(name, []).append(problem)
    assert sorted(found) == sorted(expected)
    for name, patterns in expected.items():
        assert [bool(re.match(p, f)) for p, f in zip(patterns, found[name])
                ] == [True] * len(patterns), found[name]
        assert all(problem in message for problem in found[name])


def test_clean_split_trains(tmp_path, demo_data_root, tiny_segmif_cfg):
    runner = Runner.from_cfg(config(tmp_path, demo_data_root, tiny_segmif_cfg))
    runner.train()
    assert counter(runner).iterations == 2
