"""Per-modality photometric augmentations: each does what it says."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmseg.registry import TRANSFORMS
from segmif_mm.datasets import (RandomGrayscaleVisible, RandomInfraredContrast,
                                RandomInfraredExposure, RandomInfraredNoise,
                                RandomVisibleExposure)


def pair(seed: int = 0):
    rng = np.random.default_rng(seed)
    return dict(
        img=rng.integers(0, 256, (20, 30, 3), dtype=np.uint8),
        ir=rng.integers(60, 200, (20, 30), dtype=np.uint8),
        img_path='vis.png')


def test_registered_and_built_from_config():
    init_default_scope('mmseg')
    for name in ('RandomGrayscaleVisible', 'RandomVisibleExposure',
                 'RandomInfraredExposure', 'RandomInfraredContrast',
                 'RandomInfraredNoise'):
        transform = TRANSFORMS.build(dict(type=name, prob=1.0))
        results = transform(pair())
        assert results['img'].dtype == np.uint8
        assert results['ir'].dtype == np.uint8


def test_grayscale_uses_bt601_weights_and_leaves_infrared():
    results = pair()
    visible, infrared = results['img'].copy(), results['ir'].copy()
    out = RandomGrayscaleVisible(prob=1.0)(results)
    expected = visible.astype(float) @ [0.299, 0.587, 0.114]
    for channel in range(3):
        assert np.abs(out["img"][..., channel] - expected).max() <= 1
    np.testing.assert_array_equal(out['ir'], infrared)
    untouched = RandomGrayscaleVisible(prob=0.0)(pair())
    np.testing.assert_array_equal(untouched['img'], visible)


def test_exposure_formula(monkeypatch):
    transform = RandomVisibleExposure(prob=1.0)
    monkeypatch.setattr(transform, '_params', lambda: (True, 2.0, 0.5))
    results = pair(1)
    visible, infrared = results['img'].copy(), results['ir'].copy()
    out = transform(results)
    # 255 * 0.5 * (x / 255) ** 2, rounded half up
    expected = np.floor(255 * 0.5 * (visible / 255.0)**2 + 0.5)
    np.testing.assert_array_equal(out['img'], expected.astype(np.uint8))
    np.testing.assert_array_equal(out['ir'], infrared)
    monkeypatch.setattr(transform, '_params', lambda: (True, 0.5, 1.5))
    bright = transform(pair(1))['img']
    assert bright.mean() > visible.mean() and (bright == 255).mean() > 0.3


def test_infrared_exposure_dims_the_background_and_keeps_hot_spots(
        monkeypatch):
    transform = RandomInfraredExposure(prob=1.0)
    monkeypatch.setattr(transform, '_params', lambda: (True, 2.5, 0.5))
    results = pair(3)
    results['ir'][0, :3] = (115, 250, 0)
    infrared, visible = results['ir'].copy(), results['img'].copy()
    out = transform(results)
    expected = np.floor(255 * 0.5 * (infrared / 255.0)**2.5 + 0.5)
    np.testing.assert_array_equal(out['ir'], expected.astype(np.uint8))
    # RoadScene-like median level to MSRS-like: 115 -> 17, 250 -> 121, 0 -> 0
    np.testing.assert_array_equal(out['ir'][0, :3], (17, 121, 0))
    np.testing.assert_array_equal(out['img'], visible)
    assert repr(transform).startswith('RandomInfraredExposure(prob=1.0')
    untouched = RandomInfraredExposure(prob=0.0)(pair(3))
    np.testing.assert_array_equal(untouched['ir'], pair(3)['ir'])


def test_exposure_parameters_cover_their_ranges():
    transform = RandomVisibleExposure(
        prob=1.0, gamma_range=(0.5, 2.0), gain_range=(0.25, 1.0))
    np.random.seed(0)
    draws = np.array([transform._params()[1:] for _ in range(400)])
    assert draws[:, 0].min() >= 0.5 and draws[:, 0].max() <= 2.0
    assert draws[:, 1].min() >= 0.25 and draws[:, 1].max() <= 1.0
    # log-uniform: as many draws below the geometric middle as above
    assert 0.4 < np.mean(draws[:, 0] < 1.0) < 0.6


def test_infrared_contrast_formula(monkeypatch):
    transform = RandomInfraredContrast(prob=1.0)
    monkeypatch.setattr(transform, '_params', lambda: (True, 0.5, -10.0))
    results = pair(2)
    infrared, visible = results['ir'].astype(float), results['img'].copy()
    out = transform(results)
    mean = infrared.mean()
    expected = np.floor(mean + 0.5 * (infrared - mean) - 10 + 0.5)
    np.testing.assert_array_equal(out['ir'], expected.astype(np.uint8))
    assert out['ir'].std() == pytest.approx(infrared.std() / 2, rel=0.05)
    np.testing.assert_array_equal(out['img'], visible)


def test_infrared_noise_has_pixel_and_column_parts(monkeypatch):
    flat = dict(
        img=np.zeros((200, 300, 3), np.uint8),
        ir=np.full((200, 300), 128, np.uint8))
    transform = RandomInfraredNoise(prob=1.0)
    monkeypatch.setattr(transform, '_params', lambda: (True, 4.0, 0.0, 7))
    noise = transform(dict(flat))['ir'].astype(float) - 128
    assert noise.std() == pytest.approx(4.0, rel=0.05)
    assert noise.mean(0).std() < 1.0  # no column pattern
    monkeypatch.setattr(transform, '_params', lambda: (True, 0.0, 3.0, 7))
    stripes = transform(dict(flat))['ir'].astype(float) - 128
    assert (stripes == stripes[:1]).all()  # constant down each column
    assert stripes[0].std() == pytest.approx(3.0, rel=0.2)


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match='prob'):
        RandomGrayscaleVisible(prob=1.5)
    with pytest.raises(ValueError, match='gamma_range'):
        RandomVisibleExposure(gamma_range=(2.0, 1.0))
    with pytest.raises(ValueError, match='RandomInfraredExposure: gain_range'):
        RandomInfraredExposure(gain_range=(0, 1))
    with pytest.raises(ValueError, match='offset_range'):
        RandomInfraredContrast(offset_range=(-300, 0))
    with pytest.raises(ValueError, match='noise_std_range'):
        RandomInfraredNoise(noise_std_range=(-1, 2))
    concatenated = dict(img=np.zeros((4, 4, 4), np.uint8), img_path='x.png')
    with pytest.raises(ValueError, match='x.png.*before ConcatInfrared'):
        RandomGrayscaleVisible(prob=1.0)(concatenated)
    with pytest.raises(ValueError, match='ir'):
        RandomInfraredNoise(prob=1.0)(concatenated)
    with pytest.raises(ValueError, match='RandomInfraredExposure.*ir'):
        RandomInfraredExposure(prob=1.0)(concatenated)
