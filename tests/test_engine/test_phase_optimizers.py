"""PhaseOptimWrapperDict and SegMiFOptimWrapperConstructor on a tiny SegMiF."""
import copy
import math
import tempfile

import pytest
import torch
import torch.distributed as dist
from mmengine.config import ConfigDict
from mmengine.device import get_device
from mmengine.model.wrappers import MMSeparateDistributedDataParallel
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from mmseg.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmseg.structures import SegDataSample
from segmif_mm.engine.optimizers import (NonFiniteLossError,
                                         PhaseOptimWrapperDict)

SEG_MODULES = ('backbone.', 'neck.', 'decode_head.')


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def build_model(cfg: dict):
    torch.manual_seed(0)
    cfg = copy.deepcopy(cfg)
    cfg['data_preprocessor']['size'] = (32, 32)
    return MODELS.build(ConfigDict(cfg))


def data_batch(size=(32, 32), seed=0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(2):
        inputs.append(
            torch.randint(
                0, 256, (4, *size), generator=gen, dtype=torch.uint8))
        sample = SegDataSample(
            gt_sem_seg=PixelData(
                data=torch.randint(0, 4, (1, *size), generator=gen)))
        sample.set_metainfo(
            dict(img_shape=size, ori_shape=size, pad_shape=size))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def params(model, seg: bool):
    return [(n, p) for n, p in model.named_parameters()
            if n.startswith(SEG_MODULES) == seg]


def snapshot(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def changed(before, model, seg: bool):
    return {n for n, p in params(model, seg) if not torch.equal(before[n], p)}


def build_wrappers(model, accumulative_counts=1) -> PhaseOptimWrapperDict:
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(
            type='SegMiFOptimWrapperConstructor',
            optim_wrapper_cfg=dict(
                fusion=dict(
                    type='OptimWrapper',
                    optimizer=dict(type='SGD', lr=0.5),
                    accumulative_counts=accumulative_counts),
                seg=dict(
                    type='OptimWrapper',
                    optimizer=dict(type='SGD', lr=0.5),
                    accumulative_counts=accumulative_counts))))
    return constructor(model)


# ----------------------------------------------------------- the constructor
def test_constructor_splits_parameters_by_task(tiny_segmif_cfg):
    model = build_model(tiny_segmif_cfg)
    wrappers = build_wrappers(model)
    assert isinstance(wrappers, PhaseOptimWrapperDict)
    assert set(wrappers.keys()) == {'fusion', 'seg'}
    owned = {
        task:
        {id(p)
         for group in wrapper.param_groups
         for p in group['params']}
        for task, wrapper in wrappers.items()
    }
    assert owned['fusion'] == {id(p) for _, p in params(model, seg=False)}
    assert owned['seg'] == {id(p) for _, p in params(model, seg=True)}


def test_constructor_gives_a_neck_to_the_segmentation_task(tiny_segmif_cfg):
    """The phase map puts a neck in the segmentation task: the phases freeze
    it with the segmentation network and its optimizer owns it."""
    tiny_segmif_cfg['neck'] = dict(
        type='MultiLevelNeck', in_channels=[16] * 4, out_channels=16)
    model = build_model(tiny_segmif_cfg)
    wrappers = build_wrappers(model)
    neck_params = {id(p) for p in model.neck.parameters()}
    seg_params = {
        id(p)
        for group in wrappers['seg'].param_groups
        for p in group['params']
    }
    assert neck_params and neck_params <= seg_params
    model.phase = 'fusion'
    assert not any(p.requires_grad for p in model.neck.parameters())
    before = snapshot(model)
    model.train_step(data_batch(), wrappers)
    assert changed(before, model, seg=False)
    assert not changed(before, model, seg=True)


def test_constructor_uses_the_models_task_modules(tiny_segmif_cfg):
    tiny_segmif_cfg['task_modules'] = dict(
        fusion=('fusion_head', 'backbone'), seg=('decode_head', ))
    model = build_model(tiny_segmif_cfg)
    wrappers = build_wrappers(model)
    fusion_params = {
        id(p)
        for group in wrappers['fusion'].param_groups
        for p in group['params']
    }
    assert {id(p) for p in model.backbone.parameters()} <= fusion_params
    model.phase = 'seg'
    assert all(p.requires_grad for p in model.decode_head.parameters())
    assert not any(p.requires_grad for p in model.backbone.parameters())


def test_constructor_errors(tiny_segmif_cfg):
    model = build_model(tiny_segmif_cfg)
    with pytest.raises(ValueError, match='moved to the model'):
        OPTIM_WRAPPER_CONSTRUCTORS.build(
            dict(
                type='SegMiFOptimWrapperConstructor',
                optim_wrapper_cfg=dict(
                    task_modules=dict(fusion=('fusion_head', )),
                    fusion=dict(optimizer=dict(type='SGD', lr=0.1)))))
    only_fusion = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(
            type='SegMiFOptimWrapperConstructor',
            optim_wrapper_cfg=dict(
                fusion=dict(optimizer=dict(type='SGD', lr=0.1)))))
    with pytest.raises(ValueError, match="trains the tasks"):
        only_fusion(model)
    tiny_segmif_cfg['task_modules'] = dict(
        fusion=('fusion_head', ), seg=('decode_head', ))
    orphaned = build_model(tiny_segmif_cfg)
    with pytest.raises(ValueError, match='belong to no task.*backbone'):
        build_wrappers(orphaned)


# ------------------------------------------------------- the wrapper dict
@pytest.mark.parametrize('phase,fusion_changes,seg_changes',
                         [('fusion', True, False), ('seg', False, True),
                          ('joint', True, True), ('fusion_only', True, False)])
def test_train_step_updates_the_phases_tasks(tiny_segmif_cfg, phase,
                                             fusion_changes, seg_changes):
    model = build_model(tiny_segmif_cfg)
    wrappers = build_wrappers(model)
    model.phase = phase
    before = snapshot(model)
    log_vars = model.train_step(data_batch(), wrappers)
    assert 'loss' in log_vars
    assert ('decode.loss_ce' in log_vars) == (phase != 'fusion_only')
    assert wrappers.active == (('fusion', 'seg') if phase == 'joint' else
                               ('seg', ) if phase == 'seg' else ('fusion', ))
    assert bool(changed(before, model, seg=False)) == fusion_changes
    assert bool(changed(before, model, seg=True)) == seg_changes


def test_joint_phase_with_two_wrappers_matches_one_wrapper(tiny_segmif_cfg):
    model = build_model(tiny_segmif_cfg)
    single = copy.deepcopy(model)
    model.train_step(data_batch(), build_wrappers(model))
    single.train_step(
        data_batch(),
        OptimWrapper(torch.optim.SGD(single.parameters(), lr=0.5)))
    for (name, param), (_, ref) in zip(model.named_parameters(),
                                       single.named_parameters()):
        assert torch.allclose(param, ref, atol=1e-6), name


def test_joint_phase_gradient_accumulation(tiny_segmif_cfg):
    model = build_model(tiny_segmif_cfg)
    wrappers = build_wrappers(model, accumulative_counts=2)
    before = snapshot(model)
    model.train_step(data_batch(), wrappers)
    assert not changed(before, model, seg=False)
    assert not changed(before, model, seg=True)
    model.train_step(data_batch(seed=1), wrappers)
    assert changed(before, model, seg=False)
    assert changed(before, model, seg=True)


def test_single_wrapper_in_the_fusion_phase(tiny_segmif_cfg):
    model = build_model(tiny_segmif_cfg)
    model.phase = 'fusion'
    before = snapshot(model)
    model.train_step(data_batch(),
                     OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.5)))
    assert changed(before, model, seg=False)
    assert not changed(before, model, seg=True)


def test_missing_wrapper_for_the_phase(tiny_segmif_cfg):
    model = build_model(tiny_segmif_cfg)
    model.phase = 'seg'
    fusion_only = PhaseOptimWrapperDict(
        fusion=OptimWrapper(
            torch.optim.SGD([p for _, p in params(model, seg=False)], lr=0.1)))
    with pytest.raises(KeyError, match="trains the tasks \\['seg'\\]"):
        model.train_step(data_batch(), fusion_only)


def test_train_step_under_separate_ddp(tiny_segmif_cfg):
    """Every submodule wrapped in DDP (as in default_runtime.py)."""
    if dist.is_initialized():
        pytest.skip('A process group is already initialised.')
    with tempfile.TemporaryDirectory() as tmp:
        dist.init_process_group(
            'gloo', init_method=f'file://{tmp}/store', rank=0, world_size=1)
        try:
            # on the device the Runner would use, as the wrapper moves the
            # wrapped submodules there
            model = build_model(tiny_segmif_cfg).to(get_device())
            wrappers = build_wrappers(model)
            ddp = MMSeparateDistributedDataParallel(
                model, find_unused_parameters=True)
            for phase in ('fusion', 'seg', 'joint'):
                model.phase = phase
                before = snapshot(model)
                ddp.train_step(data_batch(), wrappers)
                assert bool(changed(before, model, seg=False)) == (
                    phase != 'seg')
                assert bool(changed(before, model, seg=True)) == (
                    phase != 'fusion')
            ddp.eval()
            with torch.no_grad():
                (sample, ) = ddp.test_step(data_batch())[:1]
            assert sample.pred_sem_seg.shape == (32, 32)
            assert sample.pred_fused_img.shape == (32, 32)
        finally:
            dist.destroy_process_group()


# ------------------------------------------------ non-finite loss / grads
def nan_fusion_term(model, term='loss_ssim'):
    """Make one term of the fusion loss NaN (forward hook)."""

    def hook(module, args, outputs):
        outputs[term] = outputs[term] * float('nan')
        return outputs

    return model.fusion_loss.register_forward_hook(hook)


@pytest.mark.parametrize('phase', ['fusion', 'joint'])
def test_nonfinite_loss_term_stops_before_any_update(tiny_segmif_cfg, phase):
    model = build_model(tiny_segmif_cfg)
    wrappers = build_wrappers(model)
    model.phase = phase
    nan_fusion_term(model)
    before = snapshot(model)
    with pytest.raises(NonFiniteLossError) as info:
        model.train_step(data_batch(), wrappers)
    message = str(info.value)
    assert message.startswith('Non-finite loss: fusion.loss_ssim = nan, ')
    assert 'decode.loss_ce = ' in message
    assert set(info.value.terms) >= {'fusion.loss_ssim', 'decode.loss_ce'}
    assert math.isnan(info.value.terms['fusion.loss_ssim'])
    assert not changed(before, model, seg=False)
    assert not changed(before, model, seg=True)
    assert all(p.grad is None for p in model.parameters())


def test_nonfinite_gradient_stops_before_any_update(tiny_segmif_cfg):
    model = build_model(tiny_segmif_cfg)
    wrappers = build_wrappers(model)
    model.phase = 'fusion'
    name, param = next((n, p) for n, p in model.named_parameters()
                       if n.startswith('fusion_head.'))
    handle = param.register_hook(lambda grad: grad * float('inf'))
    before = snapshot(model)
    with pytest.raises(NonFiniteLossError) as info:
        model.train_step(data_batch(), wrappers)
    assert str(info.value).startswith(
        'Non-finite gradients of 1 parameter(s) although the loss is finite '
        '(')
    assert str(info.value).endswith(f': {name}.')
    assert info.value.parameters == [name]
    assert not changed(before, model, seg=False)
    # cleared, so that a skipped update leaves nothing behind
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())
    # the next, finite step trains normally
    handle.remove()
    model.train_step(data_batch(), wrappers)
    assert changed(before, model, seg=False)
