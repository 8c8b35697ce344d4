"""SelectModality and InflatedMixVisionTransformer
(projects/single_modality)."""
import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import load_state_dict

from mmseg.models.backbones import MixVisionTransformer
from mmseg.registry import MODELS, TRANSFORMS

TINY_MIT = dict(
    embed_dims=8, num_layers=[1, 1, 1, 1], num_heads=[1, 1, 1, 1])


@pytest.fixture
def select_modality():
    from projects.single_modality.single_modality import SelectModality
    return SelectModality


def pair(height: int = 6, width: int = 5) -> dict:
    rng = np.random.default_rng(0)
    return dict(
        img=rng.integers(0, 256, (height, width, 3), dtype=np.uint8),
        ir=rng.integers(0, 256, (height, width), dtype=np.uint8),
        img_path='vi/00000D.png')


@pytest.mark.parametrize('modality, channels', [('visible', 3),
                                                 ('infrared', 3),
                                                 ('both', 4)])
def test_select_modality_shapes_and_values(select_modality, modality,
                                           channels):
    results = pair()
    visible, infrared = results['img'].copy(), results['ir'].copy()
    transform = TRANSFORMS.build(dict(type='SelectModality',
                                      modality=modality))
    assert isinstance(transform, select_modality)
    assert repr(transform) == f"SelectModality(modality='{modality}')"
    out = transform(results)
    img = out['img']
    assert 'ir' not in out
    assert img.shape == (6, 5, channels) and img.dtype == np.uint8
    assert out['img_shape'] == (6, 5)
    assert img.flags['C_CONTIGUOUS']
    if modality == 'visible':
        np.testing.assert_array_equal(img, visible)
    elif modality == 'infrared':
        for c in range(3):
            np.testing.assert_array_equal(img[..., c], infrared)
    else:
        np.testing.assert_array_equal(img[..., :3], visible)
        np.testing.assert_array_equal(img[..., 3], infrared)


def test_select_modality_rejects_bad_input(select_modality):
    with pytest.raises(ValueError, match='modality must be one of'):
        select_modality(modality='thermal')
    results = pair()
    results.pop('ir')
    with pytest.raises(ValueError, match='00000D.png.*ConcatInfrared'):
        select_modality()(results)
    results = pair()
    results['img'] = np.concatenate(
        [results['img'], results['ir'][..., None]], axis=2)
    with pytest.raises(ValueError, match=r'\(6, 5, 4\).*00000D.png'):
        select_modality()(results)
    results = pair()
    results['ir'] = results['ir'][:5]
    with pytest.raises(ValueError, match='same size'):
        select_modality(modality='infrared')(results)


@pytest.fixture
def inflated_mit():
    from projects.single_modality.single_modality import \
        InflatedMixVisionTransformer
    return InflatedMixVisionTransformer


def test_inflate_keeps_response_to_grey_images(inflated_mit):
    weight = torch.randn(8, 3, 7, 7)
    grey = torch.rand(1, 1, 16, 16)
    reference = torch.nn.functional.conv2d(grey.expand(-1, 3, -1, -1), weight)
    for channels in (1, 2, 4, 6):
        inflated = inflated_mit.inflate(weight, channels)
        assert inflated.shape == (8, channels, 7, 7)
        response = torch.nn.functional.conv2d(
            grey.expand(-1, channels, -1, -1), inflated)
        torch.testing.assert_close(response, reference, rtol=1e-4,
                                   atol=1e-4)
    four = inflated_mit.inflate(weight, 4)
    torch.testing.assert_close(four[:, :3], weight * 0.75)
    torch.testing.assert_close(four[:, 3], weight.mean(dim=1) * 0.75)


def test_rgb_state_dict_loads_into_four_channel_mit(inflated_mit):
    torch.manual_seed(0)
    rgb = MixVisionTransformer(in_channels=3, **TINY_MIT)
    rgbt = MODELS.build(
        dict(type='InflatedMixVisionTransformer', in_channels=4, **TINY_MIT))
    assert isinstance(rgbt, inflated_mit)
    state = rgb.state_dict()
    load_state_dict(rgbt, state, strict=True)
    stem = 'layers.0.0.projection.weight'
    torch.testing.assert_close(
        rgbt.state_dict()[stem], inflated_mit.inflate(state[stem], 4))
    for key, value in state.items():
        if key != stem:
            torch.testing.assert_close(rgbt.state_dict()[key], value)
    # The caller's state dict is not modified.
    assert state[stem].shape[1] == 3
    # A grey image in all four channels gives the RGB model's features.
    rgb.eval(), rgbt.eval()
    grey = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        expected = rgb(grey.expand(-1, 3, -1, -1))
        actual = rgbt(grey.expand(-1, 4, -1, -1))
    for a, b in zip(actual, expected):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


def test_pretrained_init_cfg_inflates_the_stem(inflated_mit, tmp_path):
    torch.manual_seed(0)
    rgb = MixVisionTransformer(in_channels=3, **TINY_MIT)
    checkpoint = tmp_path / 'mit_tiny.pth'
    torch.save(dict(state_dict=rgb.state_dict()), checkpoint)
    rgbt = inflated_mit(
        in_channels=4,
        init_cfg=dict(type='Pretrained', checkpoint=str(checkpoint)),
        **TINY_MIT)
    rgbt.init_weights()
    stem = 'layers.0.0.projection.weight'
    torch.testing.assert_close(
        rgbt.state_dict()[stem],
        inflated_mit.inflate(rgb.state_dict()[stem], 4))
    # A 4-channel state dict (e.g. a trained RGB-T checkpoint) loads as is.
    trained = {k: v + 1 for k, v in rgbt.state_dict().items()}
    load_state_dict(rgbt, trained, strict=True)
    torch.testing.assert_close(rgbt.state_dict()[stem], trained[stem])


def test_inflated_mit_rejects_no_channels(inflated_mit):
    with pytest.raises(ValueError, match='in_channels >= 1'):
        inflated_mit(in_channels=0, **TINY_MIT)
