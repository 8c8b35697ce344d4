"""A checkpoint's fused image cannot change silently where it is loaded."""
import copy

import pytest
from mmengine.config import Config

from segmif_mm.models.utils import (check_fusion_function, fusion_function,
                                    fusion_function_from_meta)


@pytest.fixture
def model_cfg(tiny_segmif_cfg) -> dict:
    return copy.deepcopy(tiny_segmif_cfg)


def hia(cfg: dict, index: int = 0) -> dict:
    return cfg['fusion_head']['hia_cfgs'][index]


def test_defaults_are_filled_in_and_init_only_args_ignored(model_cfg):
    explicit = copy.deepcopy(model_cfg)
    hia(explicit).update(mlp_ratio=2.0, act_cfg=dict(type='GELU'))
    explicit['guidance_source'] = 'visible'
    assert fusion_function(explicit) == fusion_function(model_cfg)
    recorded = fusion_function(model_cfg)
    assert recorded['guidance_source'] == 'visible'
    assert hia(recorded)['act_cfg'] == dict(type='GELU')
    assert hia(recorded)['mlp_ratio'] == 2.0
    # where the weights come from, or train-time options, do not count
    other = copy.deepcopy(model_cfg)
    hia(other)['temperature_init'] = 7.0
    other['backbone']['drop_path_rate'] = 0.3
    other['backbone']['init_cfg'] = dict(type='Pretrained', checkpoint='x')
    other['guidance_grad'] = True
    assert fusion_function(other) == fusion_function(model_cfg)
    assert fusion_function(dict(type='EncoderDecoder')) is None


@pytest.mark.parametrize('change,option', [
    (lambda c: hia(c).update(context_scale='sum'),
     'fusion_head.hia_cfgs[0].context_scale'),
    (lambda c: hia(c, 1).update(context_axis='value' if hia(c, 1).get(
        'context_axis') == 'key' else 'key'),
     'fusion_head.hia_cfgs[1].context_axis'),
    (lambda c: c['fusion_head'].update(dilations=(2, 2)),
     'fusion_head.dilations'),
    (lambda c: c.update(guidance_source='mean'), 'guidance_source'),
    (lambda c: c.update(backbone_std=(0.5, 0.5, 0.5)), 'backbone_std'),
    (lambda c: c['backbone'].update(act_cfg=dict(type='ReLU')),
     'backbone.act_cfg.type'),
])
def test_every_function_changing_option_is_named(model_cfg, change, option):
    recorded = fusion_function(model_cfg)
    other = copy.deepcopy(model_cfg)
    change(other)
    with pytest.raises(ValueError) as error:
        check_fusion_function(
            dict(fusion_function=recorded), other, 'ckpt.pth')
    message = str(error.value)
    assert f'model.{option}: checkpoint' in message
    assert 'ckpt.pth' in message and "checkpoint's options" in message
    # only the changed option (and, for a changed type, its arguments)
    parent = option.rsplit('.type', 1)[0]
    lines = [
        line.strip() for line in message.splitlines()
        if ': checkpoint ' in line
    ]
    assert lines and all(line.startswith(f'model.{parent}') for line in lines)
    check_fusion_function(dict(fusion_function=recorded), model_cfg, 'x')


def test_training_checkpoints_are_read_from_their_config_text(model_cfg):
    cfg = Config(dict(model=model_cfg))
    meta = dict(cfg=cfg.pretty_text)
    assert fusion_function_from_meta(meta) == fusion_function(model_cfg)
    other = copy.deepcopy(model_cfg)
    hia(other)['context_scale'] = 'sum'
    with pytest.raises(ValueError, match='context_scale'):
        check_fusion_function(meta, other, 'iter_10.pth')
    # checkpoints that record no SegMiF pass
    check_fusion_function(dict(), other, 'x')
    check_fusion_function(
        dict(cfg=Config(dict(model=dict(type='EncoderDecoder'))).pretty_text),
        other, 'x')
