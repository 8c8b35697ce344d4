"""SelectModality and the early-fusion configs (projects/single_modality)."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from mmseg.registry import TRANSFORMS

REPO = Path(__file__).resolve().parents[2]


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
                                                ('infrared', 3), ('both', 4)])
def test_select_modality_shapes_and_values(select_modality, modality,
                                           channels):
    results = pair()
    visible, infrared = results['img'].copy(), results['ir'].copy()
    transform = TRANSFORMS.build(
        dict(type='SelectModality', modality=modality))
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
    results['img'] = np.concatenate([results['img'], results['ir'][..., None]],
                                    axis=2)
    with pytest.raises(ValueError, match=r'\(6, 5, 4\).*00000D.png'):
        select_modality()(results)
    results = pair()
    results['ir'] = results['ir'][:5]
    with pytest.raises(ValueError, match='same size'):
        select_modality(modality='infrared')(results)


def test_rgbt_configs_inflate_the_pretrained_stem():
    for data in ('fmb', 'mfnet'):
        cfg = Config.fromfile(
            str(REPO / 'projects/single_modality/configs' /
                f'segformer_mit-b3_1xb8-80k_{data}-rgbt-360x360.py'))
        backbone = cfg.model.backbone
        assert backbone.type == 'MixVisionTransformer'
        assert backbone.in_channels == 4
        assert backbone.init_cfg == dict(
            type='InflatedPretrained', checkpoint='pretrain/mit_b3.pth')
        assert len(cfg.model.data_preprocessor.mean) == 4
