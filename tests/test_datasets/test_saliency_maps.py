"""Whole-image saliency maps travel with the crops (issue: VSM per crop)."""
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from numpy.lib.stride_tricks import sliding_window_view

from segmif_mm.datasets import (ConcatInfrared, GenerateSaliencyMaps,
                                LoadMultiModalImages, PackFusionSegInputs)
from segmif_mm.models.losses import SaliencyPixelLoss
from segmif_mm.models.utils import rgb_to_ycbcr

PAIRS = ('FLIR_00006', 'FLIR_05573', 'FLIR_08021')


def vsm_by_definition(levels: np.ndarray) -> np.ndarray:
    """VSM (Ma et al. 2017) from its definition, per grey level."""
    hist = np.bincount(levels.reshape(-1), minlength=256).astype(np.float64)
    grey = np.arange(256)
    per_level = (hist[None, :] * np.abs(grey[:, None] - grey[None, :])).sum(1)
    saliency = per_level[levels]
    return (saliency - saliency.min()) / (saliency.max() - saliency.min())


def locate(full: np.ndarray, crop: np.ndarray) -> tuple:
    """Top-left corner of ``crop`` inside ``full`` (both (H, W, C))."""
    windows = sliding_window_view(full, crop.shape[:2], axis=(0, 1))
    hits = np.argwhere((windows == crop.transpose(2, 0, 1)).all((2, 3, 4)))
    assert len(hits) == 1, 'the crop must occur once in the image'
    return tuple(hits[0])


@pytest.mark.parametrize('name', PAIRS)
def test_maps_are_whole_image_vsm_of_the_model_luminance(real_data, name):
    paths = dict(
        img_path=str(real_data / 'roadscene' / 'vi' / f'{name}.jpg'),
        ir_path=str(real_data / 'roadscene' / 'ir' / f'{name}.jpg'))
    results = GenerateSaliencyMaps()(LoadMultiModalImages()(paths))
    rgb = results['img'].astype(np.float64)
    # full-range BT.601 luminance, rounded half to even as torch.round
    vis_y = np.round(rgb @ np.array([0.299, 0.587, 0.114])).astype(int)
    expected = np.stack(
        [vsm_by_definition(vis_y),
         vsm_by_definition(results['ir'])], axis=2)
    saliency = results['gt_saliency']
    assert saliency.dtype == np.float32 and saliency.shape == expected.shape
    # levels that sit on a rounding boundary may differ by one grey level
    assert np.mean(np.abs(saliency - expected) < 1e-6) > 0.999
    assert results['seg_fields'] == ['gt_saliency']


@pytest.mark.parametrize('name', PAIRS)
def test_crop_does_not_change_the_weights(real_data, name):
    paths = dict(
        img_path=str(real_data / 'roadscene' / 'vi' / f'{name}.jpg'),
        ir_path=str(real_data / 'roadscene' / 'ir' / f'{name}.jpg'))
    load = [LoadMultiModalImages(), GenerateSaliencyMaps(), ConcatInfrared()]
    whole = Compose(load)(dict(paths))
    crop = Compose([
        *load,
        dict(type='RandomCrop', crop_size=(96, 96)),
        dict(type='RandomFlip', prob=0.0),
        PackFusionSegInputs(meta_keys=('img_path', 'ori_shape', 'img_shape'))
    ])
    rng_state = np.random.get_state()
    np.random.seed(0)
    try:
        for _ in range(3):
            packed = crop(dict(paths))
            image = packed['inputs'].permute(1, 2, 0).numpy()
            top, left = locate(whole['img'], image)
            maps = packed['data_samples'].gt_saliency.data
            window = whole['gt_saliency'][top:top + 96, left:left + 96]
            np.testing.assert_array_equal(
                maps.permute(1, 2, 0).numpy(), window)
            # what the loss would have used before: the crop's own VSM
            x = torch.from_numpy(image[..., :3]).permute(2, 0, 1)[None] / 255
            y = torch.from_numpy(image[..., 3])[None, None].float() / 255
            vis_y = rgb_to_ycbcr(x.float())[0]
            m1_whole, _ = SaliencyPixelLoss.saliency_weights(
                vis_y, y, 'ma', maps[None])
            m1_crop, _ = SaliencyPixelLoss.saliency_weights(vis_y, y, 'ma')
            assert (m1_whole - m1_crop).abs().mean() > 0.01
    finally:
        np.random.set_state(rng_state)


def test_bad_inputs_are_named():
    results = dict(
        img=np.zeros((4, 5, 3), np.uint8),
        ir=np.zeros((4, 6), np.uint8),
        img_path='a.png')
    with pytest.raises(ValueError, match='a.png.*before ConcatInfrared'):
        GenerateSaliencyMaps()(results)
    results = dict(img=np.zeros((4, 5, 4), np.uint8), img_path='b.png')
    with pytest.raises(ValueError, match='b.png'):
        GenerateSaliencyMaps()(results)


def test_pack_without_maps_is_pack_seg_inputs():
    results = dict(
        img=np.zeros((4, 5, 4), np.uint8), img_shape=(4, 5), ori_shape=(4, 5))
    packed = PackFusionSegInputs()(results)
    assert 'gt_saliency' not in packed['data_samples']
    assert packed['inputs'].shape == (4, 4, 5)
