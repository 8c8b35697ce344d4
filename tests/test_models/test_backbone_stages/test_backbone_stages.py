"""BackboneStages: the first k stages of MiT, ResNet, Swin and ConvNeXt."""
import importlib
import logging

import pytest
import torch
from mmengine.registry import init_default_scope
from torch import nn

from mmseg.registry import MODELS
from segmif_mm.models.backbone_stages import (BACKBONE_STAGES, BackboneStages,
                                              ConvNeXtStages, MiTStages,
                                              ResNetStages, SwinStages,
                                              WholeBackboneStages, class_path,
                                              get_backbone_stages)
from segmif_mm.models.utils import crop_features, pad_for_backbone

ALL = ['mit', 'resnet', 'resnetv1c', 'swin', 'convnext']
RUNNERS = dict(
    mit=MiTStages,
    resnet=ResNetStages,
    resnetv1c=ResNetStages,
    swin=SwinStages,
    convnext=ConvNeXtStages)
# (min_size, size_divisor) of each tiny backbone.
SIZES = dict(
    mit=(32, 1),
    resnet=(1, 1),
    resnetv1c=(1, 1),
    swin=(1, 1),
    convnext=(1, 32))


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def build(cfg: dict) -> nn.Module:
    torch.manual_seed(0)
    backbone = MODELS.build(cfg)
    backbone.init_weights()
    backbone.eval()
    return backbone


def stage_modules(backbone: nn.Module):
    if isinstance(get_backbone_stages(backbone), MiTStages):
        return [layer[0] for layer in backbone.layers]
    if isinstance(get_backbone_stages(backbone), ResNetStages):
        return [getattr(backbone, name) for name in backbone.res_layers]
    return list(backbone.stages)


@pytest.mark.parametrize('tiny_backbone_cfg', ALL, indirect=True)
@pytest.mark.parametrize('size', [(27, 45), (64, 80), (5, 7)])
def test_first_stages_match_the_full_forward(tiny_backbone_cfg, size, request):
    name = request.node.callspec.params['tiny_backbone_cfg']
    backbone = build(tiny_backbone_cfg)
    stages = get_backbone_stages(backbone)
    assert type(stages) is RUNNERS[name]
    assert (stages.min_size(backbone), stages.size_divisor(backbone)) == \
        SIZES[name]
    img = pad_for_backbone(
        torch.rand(2, 3, *size), stages.min_size(backbone),
        stages.size_divisor(backbone))
    calls = []
    for i, module in enumerate(stage_modules(backbone)):
        module.register_forward_hook(lambda *_, i=i: calls.append(i))
    with torch.no_grad():
        full = backbone(img)
        assert calls == [0, 1, 2, 3]
        assert tuple(f.shape[1] for f in full) == stages.channels(backbone)
        for num_stages in (1, 2):
            calls.clear()
            first = stages(backbone, img, num_stages)
            assert calls == list(range(num_stages))
            assert len(first) == num_stages
            for ours, ref in zip(first, full):
                assert torch.equal(ours, ref)


@pytest.mark.parametrize(
    'tiny_backbone_cfg', ['swin', 'convnext'], indirect=True)
def test_stage_without_output_norm(tiny_backbone_cfg):
    backbone = build(dict(tiny_backbone_cfg, out_indices=[1, 2, 3]))
    with pytest.raises(ValueError, match=r'add 0 to the backbone\'s out_ind'):
        get_backbone_stages(backbone)(backbone, torch.rand(1, 3, 64, 64), 2)


@pytest.mark.parametrize('tiny_backbone_cfg', ['mit'], indirect=True)
def test_rejects_bad_stage_counts(tiny_backbone_cfg):
    backbone = build(tiny_backbone_cfg)
    with pytest.raises(ValueError, match='between 1 and 4'):
        get_backbone_stages(backbone)(backbone, torch.rand(1, 3, 32, 32), 5)


def test_registered_paths_name_real_classes(mmpretrain_models):
    assert len(BACKBONE_STAGES) == 4
    for path, stages_cls in BACKBONE_STAGES.module_dict.items():
        module, _, name = path.rpartition('.')
        assert isinstance(
            getattr(importlib.import_module(module), name), type), path
        assert issubclass(stages_cls, BackboneStages), path


def test_registry_lookup_by_class_and_bases():
    """A subclass of a registered backbone uses its entry; an own entry
    takes precedence; a name is registered once."""

    class Base(nn.Module):
        pass

    class Child(Base):
        pass

    @BACKBONE_STAGES.register_module(name=class_path(Base))
    class BaseStages(WholeBackboneStages):
        pass

    try:
        assert isinstance(get_backbone_stages(Child()), BaseStages)
        with pytest.raises(KeyError, match='already registered'):
            BACKBONE_STAGES.register_module(
                name=class_path(Base), module=WholeBackboneStages)

        @BACKBONE_STAGES.register_module(name=class_path(Child))
        class ChildStages(WholeBackboneStages):
            pass

        assert isinstance(get_backbone_stages(Child()), ChildStages)
    finally:
        for cls in (Base, Child):
            BACKBONE_STAGES.module_dict.pop(class_path(cls), None)


class TwoStageNet(nn.Module):
    """A backbone without registered stages: two strided convolutions."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList(
            [nn.Conv2d(3, 5, 3, 4, 1),
             nn.Conv2d(5, 7, 3, 2, 1)])

    def forward(self, x):
        outs = []
        for conv in self.convs:
            x = conv(x)
            outs.append(x)
        return tuple(outs)


def test_fallback_runs_the_whole_backbone_with_a_warning(monkeypatch):
    logged = []
    monkeypatch.setattr('segmif_mm.models.backbone_stages.base.print_log',
                        lambda msg, **kwargs: logged.append((msg, kwargs)))
    net = TwoStageNet()
    stages = get_backbone_stages(net)
    assert isinstance(stages, WholeBackboneStages)
    [(message, kwargs)] = logged
    assert kwargs['level'] == logging.WARNING
    assert 'No BackboneStages registered for' in message
    assert 'TwoStageNet' in message
    net.train()
    assert stages.channels(net) == (5, 7)
    assert net.training
    img = torch.rand(1, 3, 32, 40)
    first = stages(net, img, 1)
    assert len(first) == 1 and torch.equal(first[0], net(img)[0])
    with pytest.raises(ValueError, match='out_indices'):
        stages(net, img, 3)


def test_padding_and_cropping():
    img = torch.rand(1, 3, 27, 45)
    assert pad_for_backbone(img, 1, 1) is img
    padded = pad_for_backbone(img, 32, 1)
    assert padded.shape[2:] == (32, 45)
    padded = pad_for_backbone(img, 1, 32)
    assert padded.shape[2:] == (32, 64)
    assert torch.equal(padded[..., :27, :45], img)
    assert padded[..., 27:, :].abs().sum() == padded[..., 45:].abs().sum() == 0
    feats = [torch.rand(1, 2, 8, 16), torch.rand(1, 2, 4, 8)]
    crops = crop_features(feats, (27, 45), (32, 64))
    assert [tuple(c.shape[2:]) for c in crops] == [(7, 12), (4, 6)]
