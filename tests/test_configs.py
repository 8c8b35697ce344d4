"""Every shipped config builds: configs/ and projects/*/configs.

Parametrized over a glob (``_base_`` files excluded), so a new config is
covered without editing this file. Each config is loaded as the tools load
it (with its ``custom_imports``); its model is built without the pretrained
checkpoint; its datasets are built without reading data (``lazy_init``:
the pipelines are built, no folder is listed) and must have as many classes
as the decode head; its evaluators get the dataset's classes, which checks
the metric protocols; its visualizer, hooks, optimizer wrappers and
parameter schedulers are built, and each scheduler list ends where its
task's training ends.
"""
import uuid
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.optim import OptimWrapperDict, build_optim_wrapper
from mmengine.registry import init_default_scope

from mmseg.registry import (DATASETS, HOOKS, LOOPS, METRICS, MODEL_WRAPPERS,
                            MODELS, PARAM_SCHEDULERS, VISUALIZERS)
from segmif_mm.apis import drop_pretrained
from segmif_mm.datasets import leaf_datasets
from segmif_mm.models.utils.phases import get_phase

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted(
    path for pattern in ('configs/**/*.py', 'projects/*/configs/**/*.py')
    for path in REPO.glob(pattern)
    if '_base_' not in path.relative_to(REPO).parts)
MAX_LEAF_LINES = 40


def config_id(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.fixture
def load_config(monkeypatch: pytest.MonkeyPatch):
    """Load a config from the repository root, as the tools run: project
    modules import as ``projects.*`` and FUSED_ROOT takes its default."""
    monkeypatch.syspath_prepend(str(REPO))
    monkeypatch.chdir(REPO)
    monkeypatch.delenv('FUSED_ROOT', raising=False)

    def load(path: Path) -> Config:
        cfg = Config.fromfile(str(path))
        init_default_scope(cfg.default_scope)
        return cfg

    return load


def task_lengths(train_cfg) -> dict:
    """Iterations in which each task's optimizer and schedulers step over
    the whole training (``None``: one plain loop)."""
    if train_cfg.type == 'AlternatingTrainLoop':
        spans = LOOPS.get(train_cfg.type).build_spans(train_cfg.num_rounds,
                                                      train_cfg.phases)
        lengths = {}
        for span in spans:
            for task in get_phase(span.phase).trains:
                lengths[task] = lengths.get(task, 0) + span.end - span.begin
        return lengths
    assert LOOPS.get(train_cfg.type) is not None, train_cfg.type
    return {None: train_cfg.max_iters}


def test_glob_finds_nested_and_project_configs():
    names = {path.name for path in CONFIGS}
    for name in ('segmif_mit-b3_1xb8-alt8r_msrs-360x360.py',
                 'segmif_mit-b3_1xb8-alt8r_pst900-360x360.py',
                 'segmif_mit-b3_1xb8-alt7r-public_fmb-360x360.py',
                 'segmif_fmb.py', 'segmif_demo.py'):
        assert name in names


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_leaf_config_is_short(path: Path):
    lines = path.read_text().splitlines()
    assert len(lines) <= MAX_LEAF_LINES, \
        f'{len(lines)} lines: move shared settings into a _base_ file'


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_config_builds(path: Path, load_config):
    cfg = load_config(path)
    drop_pretrained(cfg.model)
    model = MODELS.build(cfg.model)
    is_segmif = isinstance(model, MODELS.get('SegMiF'))
    # What the runner builds around the model resolves.
    if 'model_wrapper_cfg' in cfg:
        assert MODEL_WRAPPERS.get(cfg.model_wrapper_cfg.type) is not None
    if 'tta_model' in cfg:
        assert MODELS.get(cfg.tta_model.type) is not None
    for loop in (cfg.val_cfg, cfg.test_cfg):
        assert LOOPS.get(loop.type) is not None

    datasets = {}
    for split in ('train', 'val', 'test'):
        dataset = DATASETS.build(
            dict(cfg[f'{split}_dataloader'].dataset, lazy_init=True))
        if all(
                isinstance(leaf, DATASETS.get('FusionPairDataset'))
                for leaf in leaf_datasets(dataset)):
            # Unlabelled pairs: fusion-only training, no class list.
            assert 'classes' not in dataset.metainfo, split
        else:
            assert len(dataset.metainfo['classes']) == \
                model.decode_head.num_classes, split
        datasets[split] = dataset
    for split in ('val', 'test'):
        evaluator = Evaluator(cfg[f'{split}_evaluator'])
        evaluator.dataset_meta = datasets[split].metainfo
        fusion_metrics = [
            metric for metric in evaluator.metrics
            if isinstance(metric, METRICS.get('FusionQualityMetric'))
        ]
        # Only SegMiF predicts the fused image that FusionQualityMetric
        # scores.
        assert len(fusion_metrics) == int(is_segmif), split

    VISUALIZERS.build(dict(cfg.visualizer, name=uuid.uuid4().hex))
    for hook in (*cfg.default_hooks.values(), *cfg.get('custom_hooks', [])):
        HOOKS.build(hook)

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lengths = task_lengths(cfg.train_cfg)
    if isinstance(optim_wrapper, OptimWrapperDict):
        schedulers = dict(cfg.param_scheduler)
        wrappers = dict(optim_wrapper.items())
    else:
        schedulers = {None: cfg.param_scheduler}
        wrappers = {None: optim_wrapper}
    assert schedulers.keys() == wrappers.keys()
    # Every task that trains has an optimizer; a task that never trains
    # (the segmentation task of label-free fusion training) keeps its
    # inherited schedulers, which never step.
    assert lengths.keys() <= wrappers.keys()
    for task, scheduler_cfgs in schedulers.items():
        for scheduler in scheduler_cfgs:
            PARAM_SCHEDULERS.build(dict(scheduler, optimizer=wrappers[task]))
        if task in lengths:
            assert max(s.end for s in scheduler_cfgs) == lengths[task], task
