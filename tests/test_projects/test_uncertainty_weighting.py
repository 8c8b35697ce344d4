"""UncertaintyTaskWeighting and SegMiFUncertaintyWeighting
(projects/hia_ablation)."""
import math

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData

from mmseg.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.structures import SegDataSample
from segmif_mm.models.segmentors import SegMiF


@pytest.fixture
def project():
    from projects.hia_ablation import hia_ablation
    return hia_ablation


@pytest.fixture
def model(project, tiny_segmif_cfg):
    cfg = dict(tiny_segmif_cfg)
    cfg.update(
        type='SegMiFUncertaintyWeighting',
        task_weighting=dict(type='UncertaintyTaskWeighting'))
    cfg['data_preprocessor'] = dict(cfg['data_preprocessor'], size=(64, 64))
    torch.manual_seed(0)
    segmentor = MODELS.build(ConfigDict(cfg))
    segmentor.train()
    return segmentor


def batch(size: int = 2):
    torch.manual_seed(1)
    inputs = torch.rand(size, 4, 64, 64)
    samples = []
    for _ in range(size):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 4, (1, 64, 64)))
        sample.set_metainfo(dict(img_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(sample)
    return inputs, samples


def test_task_weighting_module(project):
    weighting = MODELS.build(
        dict(
            type='UncertaintyTaskWeighting',
            tasks=('a', 'b', 'c'),
            init_log_var=0.5))
    assert isinstance(weighting, project.UncertaintyTaskWeighting)
    weights, log_vars = weighting()
    torch.testing.assert_close(log_vars, torch.full((3, ), 0.5))
    torch.testing.assert_close(weights, torch.full((3, ), math.exp(-0.5)))
    assert log_vars.requires_grad
    with pytest.raises(ValueError, match='distinct task names'):
        project.UncertaintyTaskWeighting(tasks=('a', 'a'))


def test_loss_is_weighted_by_learned_uncertainty(model):
    assert isinstance(model, SegMiF)
    model.phase = 'fusion'
    with torch.no_grad():
        model.task_weighting.log_vars.copy_(torch.tensor([0.5, -0.3]))
    inputs, samples = batch()
    plain = SegMiF.loss(model, inputs, samples)
    losses = model.loss(inputs, samples)
    w_fusion, w_seg = math.exp(-0.5), math.exp(0.3)
    for key, value in plain.items():
        if 'loss' not in key:
            torch.testing.assert_close(losses[key], value)
        elif key.startswith('fusion.'):
            torch.testing.assert_close(losses[key], w_fusion * value)
        else:
            torch.testing.assert_close(losses[key], w_seg * value)
    assert any(k.startswith('decode.loss') for k in plain)
    torch.testing.assert_close(losses['loss_uncertainty'], torch.tensor(0.2))
    torch.testing.assert_close(losses['lambda_fusion'], torch.tensor(w_fusion))
    torch.testing.assert_close(losses['lambda_seg'], torch.tensor(w_seg))

    # d/ds_i [exp(-s_i) L_i + s_i] = 1 - exp(-s_i) L_i
    total, _ = model.parse_losses(losses)
    total.backward()
    expected = torch.tensor([
        1 - w_fusion * float(losses['task_fusion']),
        1 - w_seg * float(losses['task_seg'])
    ])
    torch.testing.assert_close(
        model.task_weighting.log_vars.grad, expected, rtol=1e-4, atol=1e-5)


def test_log_vars_train_with_the_fusion_phase(model):
    assert model.phase == 'joint'
    assert model.task_weighting.log_vars.requires_grad
    model.phase = 'seg'
    assert not model.task_weighting.log_vars.requires_grad
    inputs, samples = batch()
    losses = model.loss(inputs, samples)
    assert not any(k.startswith(('lambda', 'fusion.')) for k in losses)
    assert 'loss_uncertainty' not in losses
    model.phase = 'fusion'
    assert model.task_weighting.log_vars.requires_grad
    assert not any(p.requires_grad for p in model.backbone.parameters())


def test_task_weighting_belongs_to_the_fusion_task(model, tiny_segmif_cfg):
    optim_cfg = dict(
        fusion=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)),
        seg=dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3)))
    assert 'task_weighting' in model.task_modules['fusion']
    cfg = dict(
        tiny_segmif_cfg,
        type='SegMiFUncertaintyWeighting',
        task_modules=dict(
            fusion=('fusion_head', ), seg=('backbone', 'decode_head')))
    with pytest.raises(ValueError, match="'task_weighting' under the task"):
        MODELS.build(ConfigDict(cfg))
    model.phase = 'joint'
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(
            type='SegMiFOptimWrapperConstructor', optim_wrapper_cfg=optim_cfg))
    wrappers = constructor(model)
    fusion_params = [
        p for group in wrappers['fusion'].param_groups for p in group['params']
    ]
    assert any(p is model.task_weighting.log_vars for p in fusion_params)

    # One fusion-phase step moves the log-variances.
    model.phase = 'fusion'
    inputs, samples = batch()
    data = dict(
        inputs=[(img * 255).to(torch.uint8) for img in inputs],
        data_samples=samples)
    model.train_step(data, wrappers)
    assert not torch.equal(model.task_weighting.log_vars.detach(),
                           torch.zeros(2))


def test_rejects_externally_set_weights_and_wrong_tasks(
        project, model, tiny_segmif_cfg):
    model.phase = 'fusion'
    model.task_weights = dict(fusion=0.4, seg=0.8)
    inputs, samples = batch()
    with pytest.raises(ValueError, match='remove DynamicTaskWeightHook'):
        model.loss(inputs, samples)
    cfg = dict(tiny_segmif_cfg)
    cfg.update(
        type='SegMiFUncertaintyWeighting',
        task_weighting=dict(
            type='UncertaintyTaskWeighting', tasks=('seg', 'fusion')))
    with pytest.raises(ValueError, match=r"tasks=\('fusion', 'seg'\)"):
        MODELS.build(ConfigDict(cfg))
