"""FusionFunctionHook: checkpoints record their fusion function, and a
warm start into a model that would compute another fused image stops."""
import copy

import pytest
import torch
from mmengine.runner import Runner
from training_helpers import alternating_train_config

from segmif_mm.models.utils import fusion_function


def train_config(work_dir, data_root, model, **kwargs):
    cfg = alternating_train_config(
        work_dir,
        data_root,
        model,
        num_rounds=1,
        fusion_iters=1,
        seg_iters=1,
        checkpoint_interval=2,
        custom_hooks=[dict(type='FusionFunctionHook')])
    cfg.merge_from_dict(kwargs)
    return cfg


def fused(model, inputs):
    model.eval()
    with torch.no_grad():
        return model.fuse(inputs)[1]


def test_checkpoint_records_and_load_checks(tmp_path, demo_data_root,
                                            tiny_segmif_cfg):
    runner = Runner.from_cfg(
        train_config(tmp_path / 'a', demo_data_root,
                     copy.deepcopy(tiny_segmif_cfg)))
    runner.train()
    path = tmp_path / 'a' / 'iter_2.pth'
    checkpoint = torch.load(path, map_location='cpu', weights_only=False)
    assert checkpoint['meta']['fusion_function'] == fusion_function(
        tiny_segmif_cfg)
    inputs = torch.rand(1, 4, 40, 48)
    expected = fused(runner.model, inputs)

    # the same options: the warm-started model computes the same image
    same = Runner.from_cfg(
        train_config(
            tmp_path / 'b',
            demo_data_root,
            copy.deepcopy(tiny_segmif_cfg),
            load_from=str(path)))
    same.load_or_resume()
    torch.testing.assert_close(fused(same.model, inputs), expected)

    # another HIA form: refused, with both forms named
    other_cfg = copy.deepcopy(tiny_segmif_cfg)
    for hia in other_cfg['fusion_head']['hia_cfgs']:
        hia['context_scale'] = 'sum'
    other = Runner.from_cfg(
        train_config(
            tmp_path / 'c', demo_data_root, other_cfg, load_from=str(path)))
    recorded = fusion_function(tiny_segmif_cfg)['fusion_head']['hia_cfgs']
    with pytest.raises(ValueError) as error:
        other.load_or_resume()
    message = str(error.value)
    assert str(path) in message
    assert (f"model.fusion_head.hia_cfgs[0].context_scale: checkpoint "
            f"{recorded[0]['context_scale']!r}, model 'sum'") in message
