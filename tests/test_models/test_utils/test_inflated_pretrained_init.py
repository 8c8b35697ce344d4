"""InflatedPretrained: RGB weights into 4-channel backbones."""
import runpy
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS
from segmif_mm.models.utils import inflate_rgb_weight

REPO = Path(__file__).parents[3]
STEMS = dict(
    mit='layers.0.0.projection.weight',
    resnet='conv1.weight',
    resnetv1c='stem.0.weight',
    convnext='downsample_layers.0.0.weight',
    swin='patch_embed.projection.weight')


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def rgb_model_and_checkpoint(cfg: dict, path: Path, prefix: str = ''):
    torch.manual_seed(0)
    rgb = MODELS.build(cfg)
    rgb.init_weights()
    state = {prefix + key: value for key, value in rgb.state_dict().items()}
    torch.save(dict(state_dict=state), path)
    rgb.eval()
    return rgb


def assert_same_on_grey_images(rgbt, rgb):
    grey = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        expected = rgb(grey.expand(-1, 3, -1, -1))
        rgbt.eval()
        actual = rgbt(grey.expand(-1, 4, -1, -1))
    for ours, ref in zip(actual, expected):
        torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-4)


def test_inflate_keeps_response_to_grey_images():
    weight = torch.randn(8, 3, 7, 7)
    grey = torch.rand(1, 1, 16, 16)
    reference = F.conv2d(grey.expand(-1, 3, -1, -1), weight)
    for channels in (1, 2, 4, 6):
        inflated = inflate_rgb_weight(weight, channels)
        assert inflated.shape == (8, channels, 7, 7)
        response = F.conv2d(grey.expand(-1, channels, -1, -1), inflated)
        torch.testing.assert_close(response, reference, rtol=1e-4, atol=1e-4)
    four = inflate_rgb_weight(weight, 4)
    torch.testing.assert_close(four[:, :3], weight * 0.75)
    torch.testing.assert_close(four[:, 3], weight.mean(dim=1) * 0.75)


@pytest.mark.parametrize(
    'tiny_backbone_cfg', ['mit', 'resnet', 'resnetv1c', 'convnext'],
    indirect=True)
def test_init_cfg_inflates_the_input_layer(tiny_backbone_cfg, request,
                                           tmp_path):
    name = request.node.callspec.params['tiny_backbone_cfg']
    checkpoint = tmp_path / 'rgb.pth'
    rgb = rgb_model_and_checkpoint(tiny_backbone_cfg, checkpoint, 'backbone.')
    rgbt = MODELS.build(
        dict(
            tiny_backbone_cfg,
            in_channels=4,
            init_cfg=dict(
                type='InflatedPretrained',
                checkpoint=str(checkpoint),
                prefix='backbone.')))
    rgbt.init_weights()
    loaded, state = rgbt.state_dict(), rgb.state_dict()
    assert loaded.keys() == state.keys()
    for key, value in state.items():
        expected = inflate_rgb_weight(value, 4) if key == STEMS[name] \
            else value
        torch.testing.assert_close(loaded[key], expected, msg=key)
    assert_same_on_grey_images(rgbt, rgb)
    # A 4-channel state dict (a trained RGB-T model) loads as it is.
    trained = {key: value + 1 for key, value in loaded.items()}
    rgbt.load_state_dict(trained)
    torch.testing.assert_close(rgbt.state_dict()[STEMS[name]],
                               trained[STEMS[name]])


@pytest.mark.parametrize('tiny_backbone_cfg', ['mit'], indirect=True)
def test_missing_checkpoint_is_named(tiny_backbone_cfg, tmp_path):
    missing = str(tmp_path / 'pretrain' / 'mit_b3.pth')
    mit = MODELS.build(
        dict(
            tiny_backbone_cfg,
            in_channels=4,
            init_cfg=dict(type='InflatedPretrained', checkpoint=missing)))
    with pytest.raises(FileNotFoundError, match=missing):
        mit.init_weights()


@pytest.mark.parametrize('tiny_backbone_cfg', ['swin'], indirect=True)
def test_swin_loads_a_converted_checkpoint(tiny_backbone_cfg, tmp_path):
    # mmseg's SwinTransformer loads init_cfg.checkpoint itself: convert.
    tool = runpy.run_path(
        str(REPO / 'tools/model_converters/inflate_rgb_checkpoint.py'))
    rgb = rgb_model_and_checkpoint(tiny_backbone_cfg, tmp_path / 'rgb.pth')
    checkpoint = torch.load(tmp_path / 'rgb.pth')
    assert tool['inflate_checkpoint'](checkpoint, 4) == STEMS['swin']
    torch.save(checkpoint, tmp_path / 'rgbt.pth')
    rgbt = MODELS.build(
        dict(
            tiny_backbone_cfg,
            in_channels=4,
            init_cfg=dict(
                type='Pretrained', checkpoint=str(tmp_path / 'rgbt.pth'))))
    rgbt.init_weights()
    assert_same_on_grey_images(rgbt, rgb)
    with pytest.raises(ValueError, match='--key'):
        tool['inflate_checkpoint'](dict(w=torch.zeros(2, 4, 1, 1)), 4)
