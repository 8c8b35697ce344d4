import math
from unittest.mock import MagicMock

import pytest
import torch
from mmengine.logging import MessageHub
from torch import nn

from mmseg.registry import HOOKS, MODELS
from segmif_mm.engine.hooks import context_entropies

LN3 = math.log(3)


def h2(p):
    """Entropy in bits of the two-level distribution (p, 1 - p)."""
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


# Per context: its temperature and its expected normalised entropy. With the
# constant keys and values set by ``known_contexts``, every head's logits
# are the outer product of k = (1, 2) and v = (0, ln 3):
#   row 0: (0, ln 3) -> softmax(tau * row) = (1, 3^tau) / (1 + 3^tau)
#   row 1: (0, 2 ln 3) -> (1, 9^tau) / (1 + 9^tau)
#   column 0: (0, 0) -> uniform; column 1: (ln 3, 2 ln 3) -> (1, 3^tau) / ..
# d = 2, so the entropy in bits is already normalised by log d.
EXPECTED = {
    'value': {
        'soam_ir': (0.0, 1.0),  # tau = 0: uniform
        'soam_vis': (60.0, 0.0),  # one-hot up to 3^-60
        'moam_ir': (1.0, (h2(1 / 4) + h2(1 / 10)) / 2),
        'moam_vis': (2.0, (h2(1 / 10) + h2(1 / 82)) / 2),
    },
    'key': {
        'soam_ir': (0.0, 1.0),
        'soam_vis': (60.0, 0.5),  # a uniform and a one-hot column
        'moam_ir': (1.0, (1 + h2(1 / 4)) / 2),
        'moam_vis': (2.0, (1 + h2(1 / 10)) / 2),
    },
}


def known_contexts(hia, axis):
    """Set constant keys (1, 2) and values (0, ln 3) per head and the
    temperatures of ``EXPECTED``: the contexts are then known by hand."""
    key = torch.tensor([1.0, 2.0, 1.0, 2.0])
    value = torch.tensor([0.0, LN3, 0.0, LN3])
    with torch.no_grad():
        for layer in (*hia.soam_key_values.values(), hia.moam_key_value):
            layer.weight.zero_()
            layer.bias.copy_(torch.cat([key, value]))
        for i, x in enumerate(('ir', 'vis')):
            hia.soam_temperature[i].fill_(EXPECTED[axis][f'soam_{x}'][0])
            hia.moam_temperature[i].fill_(EXPECTED[axis][f'moam_{x}'][0])


def model_with_hias(axis='value'):
    torch.manual_seed(0)
    hia = dict(
        type='HierarchicalInteractiveAttention',
        channels=4,
        num_heads=2,
        context_scale='mean',
        context_axis=axis)
    model = nn.Module()
    model.fusion_head = nn.Module()
    model.fusion_head.interactions = nn.ModuleList(
        [MODELS.build(hia), MODELS.build(hia)])
    known_contexts(model.fusion_head.interactions[1], axis)
    feats = [torch.randn(2, 4, 3, 5) for _ in range(3)]
    with torch.no_grad():
        for neck in model.fusion_head.interactions:
            neck(feats)
    return model


@pytest.mark.parametrize('axis', ['value', 'key'])
def test_context_entropies_of_known_contexts(axis):
    values = context_entropies(model_with_hias(axis))
    assert sorted(values) == sorted(
        f'fusion_head.interactions.{i}.{attention}_{x}' for i in (0, 1)
        for attention in ('soam', 'moam') for x in ('ir', 'vis'))
    for name, (_, entropy) in EXPECTED[axis].items():
        assert values[f'fusion_head.interactions.1.{name}'] == pytest.approx(
            entropy, abs=1e-6), name
    # Random weights: strictly between one-hot and uniform.
    assert all(0 < values[f'fusion_head.interactions.0.{name}'] < 1
               for name in EXPECTED[axis])


def test_hook_writes_scalars_every_interval():
    runner = MagicMock()
    runner.model = model_with_hias()
    runner.message_hub = MessageHub.get_instance('test_context_entropy')
    hook = HOOKS.build(dict(type='ContextEntropyHook', interval=2))
    prefix = 'train/entropy/fusion_head.interactions.1.'
    runner.iter = 0  # iteration 1: not logged
    hook.after_train_iter(runner, 0)
    assert prefix + 'moam_ir' not in runner.message_hub.log_scalars
    runner.iter = 1  # iteration 2: logged
    hook.after_train_iter(runner, 1)
    for name, (_, entropy) in EXPECTED['value'].items():
        assert runner.message_hub.get_scalar(prefix +
                                             name).current() == pytest.approx(
                                                 entropy, abs=1e-6), name
    with pytest.raises(ValueError, match='interval'):
        HOOKS.build(dict(type='ContextEntropyHook', interval=0))
