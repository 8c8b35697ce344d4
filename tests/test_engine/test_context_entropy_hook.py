from unittest.mock import MagicMock

import pytest
import torch
from mmengine.logging import MessageHub
from torch import nn

from mmseg.registry import HOOKS, MODELS
from segmif_mm.engine.hooks import context_entropies


def model_with_hias():
    torch.manual_seed(0)
    hia = dict(
        type='HierarchicalInteractiveAttention', channels=8, num_heads=2)
    model = nn.Module()
    model.fusion_head = nn.Module()
    model.fusion_head.interactions = nn.ModuleList(
        [MODELS.build(hia), MODELS.build(hia)])
    feats = [torch.randn(1, 8, 4, 4) for _ in range(3)]
    with torch.no_grad():
        for neck in model.fusion_head.interactions:
            neck(feats)
    return model


def test_context_entropies_names_every_context():
    values = context_entropies(model_with_hias())
    assert sorted(values) == sorted(
        f'fusion_head.interactions.{i}.{attention}_{x}' for i in (0, 1)
        for attention in ('soam', 'moam') for x in ('ir', 'vis'))
    assert all(0 < v <= 1 for v in values.values())


def test_hook_writes_scalars_every_interval():
    runner = MagicMock()
    runner.model = model_with_hias()
    runner.message_hub = MessageHub.get_instance('test_context_entropy')
    hook = HOOKS.build(dict(type='ContextEntropyHook', interval=2))
    key = 'train/entropy/fusion_head.interactions.1.soam_vis'
    runner.iter = 0  # iteration 1: not logged
    hook.after_train_iter(runner, 0)
    assert key not in runner.message_hub.log_scalars
    runner.iter = 1  # iteration 2: logged
    hook.after_train_iter(runner, 1)
    expected = context_entropies(
        runner.model)['fusion_head.interactions.1.soam_vis']
    assert runner.message_hub.get_scalar(key).current() == pytest.approx(
        expected)
    with pytest.raises(ValueError, match='interval'):
        HOOKS.build(dict(type='ContextEntropyHook', interval=0))
