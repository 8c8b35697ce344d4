import re

import numpy as np
import pytest
from mmcv.transforms import Compose
from multimodal_helpers import write_image

import segmif_mm  # noqa: F401
from segmif_mm.datasets import (ConcatInfrared, LoadMultiModalAnnotations,
                                LoadMultiModalImages, MultiModalSegDataset)


def load(img_path, ir_path, **kwargs):
    return LoadMultiModalImages(**kwargs)(
        dict(img_path=str(img_path), ir_path=str(ir_path)))


def test_visible_colour_and_grey(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (6, 9, 3), dtype=np.uint8)
    ir = rng.integers(0, 256, (6, 9), dtype=np.uint8)
    write_image(tmp_path / 'rgb.png', rgb[..., ::-1])
    write_image(tmp_path / 'grey.png', rgb[..., 0])
    write_image(tmp_path / 'ir.png', ir)

    results = load(tmp_path / 'rgb.png', tmp_path / 'ir.png')
    np.testing.assert_array_equal(results['img'], rgb)
    np.testing.assert_array_equal(results['ir'], ir)
    assert results['img'].dtype == np.uint8 and results['ir'].dtype == np.uint8
    assert results['img_shape'] == results['ori_shape'] == (6, 9)

    grey = load(tmp_path / 'grey.png', tmp_path / 'ir.png')['img']
    assert grey.shape == (6, 9, 3)
    for channel in range(3):
        np.testing.assert_array_equal(grey[..., channel], rgb[..., 0])


def test_infrared_three_channels(tmp_path):
    rng = np.random.default_rng(1)
    write_image(tmp_path / 'vis.png', np.zeros((5, 7, 3), np.uint8))
    grey = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    write_image(tmp_path / 'equal.png', np.stack([grey] * 3, axis=2))
    np.testing.assert_array_equal(
        load(tmp_path / 'vis.png', tmp_path / 'equal.png')['ir'], grey)

    bgr = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    write_image(tmp_path / 'colour.png', bgr)
    expected = 0.299 * bgr[..., 2] + 0.587 * bgr[..., 1] + 0.114 * bgr[..., 0]
    ir = load(tmp_path / 'vis.png', tmp_path / 'colour.png')['ir']
    assert ir.shape == (5, 7)
    assert np.abs(ir.astype(float) - expected).max() <= 1.0


def test_infrared_16bit_rules(tmp_path):
    write_image(tmp_path / 'vis.png', np.zeros((2, 3, 3), np.uint8))
    raw = np.array([[1000, 2000, 3000], [4000, 5000, 65535]], np.uint16)
    write_image(tmp_path / 'ir16.png', raw)

    minmax = load(tmp_path / 'vis.png', tmp_path / 'ir16.png')['ir']
    expected = np.rint((raw.astype(float) - 1000) * 255 / (65535 - 1000))
    np.testing.assert_array_equal(minmax, expected.astype(np.uint8))
    assert minmax.min() == 0 and minmax.max() == 255

    shifted = load(
        tmp_path / 'vis.png', tmp_path / 'ir16.png', uint16_rule='shift')['ir']
    np.testing.assert_array_equal(shifted, (raw >> 8).astype(np.uint8))
    shifted14 = load(
        tmp_path / 'vis.png',
        tmp_path / 'ir16.png',
        uint16_rule='shift',
        uint16_shift=6)['ir']
    np.testing.assert_array_equal(shifted14,
                                  np.minimum(raw >> 6, 255).astype(np.uint8))

    write_image(tmp_path / 'flat.png', np.full((2, 3), 777, np.uint16))
    flat = load(tmp_path / 'vis.png', tmp_path / 'flat.png')['ir']
    assert flat.dtype == np.uint8 and not flat.any()

    with pytest.raises(ValueError, match="'minmax' or 'shift'"):
        LoadMultiModalImages(uint16_rule='clip')


def test_packed_rgbt(tmp_path):
    rng = np.random.default_rng(2)
    rgbt = rng.integers(0, 256, (4, 6, 4), dtype=np.uint8)
    path = write_image(tmp_path / 'frame.png', rgbt[..., [2, 1, 0, 3]])
    results = load(path, path)
    np.testing.assert_array_equal(results['img'], rgbt[..., :3])
    np.testing.assert_array_equal(results['ir'], rgbt[..., 3])

    # 16-bit packed frames: visible by the visible rule (full range),
    # thermal by the infrared rule (its own range).
    rgbt16 = rgbt.astype(np.uint16) * 257
    rgbt16[..., 3] = rgbt[..., 3].astype(np.uint16) * 4 + 30000
    rgbt16[0, 0, 3], rgbt16[0, 1, 3] = 30000, 31020
    path16 = write_image(tmp_path / 'frame16.png', rgbt16[..., [2, 1, 0, 3]])
    results = load(path16, path16)
    np.testing.assert_array_equal(results['img'], rgbt[..., :3])
    np.testing.assert_array_equal(results['ir'],
                                  np.rint((rgbt16[..., 3] - 30000) / 4))


def test_loader_errors(tmp_path):
    write_image(tmp_path / 'vis.png', np.zeros((4, 6, 3), np.uint8))
    write_image(tmp_path / 'ir.png', np.zeros((4, 6), np.uint8))
    write_image(tmp_path / 'ir_small.png', np.zeros((4, 5), np.uint8))
    write_image(tmp_path / 'rgba.png', np.zeros((4, 6, 4), np.uint8))
    (tmp_path / 'broken.png').write_bytes(b'not an image at all')

    missing = tmp_path / 'missing.png'
    with pytest.raises(
            FileNotFoundError,
            match=f'Visible image {re.escape(str(missing))}'):
        load(missing, tmp_path / 'ir.png')
    with pytest.raises(
            FileNotFoundError,
            match=f'Infrared image {re.escape(str(missing))}.*'
            'data_prefix.ir_path'):
        load(tmp_path / 'vis.png', missing)
    with pytest.raises(OSError, match='broken.png cannot be decoded'):
        load(tmp_path / 'vis.png', tmp_path / 'broken.png')
    with pytest.raises(
            ValueError, match=r'ir_small.png is 4x5 .*vis.png is '
            r'4x6'):
        load(tmp_path / 'vis.png', tmp_path / 'ir_small.png')
    with pytest.raises(
            ValueError, match='Visible image .*rgba.png has 4 '
            'channels'):
        load(tmp_path / 'rgba.png', tmp_path / 'ir.png')
    with pytest.raises(
            ValueError, match='Infrared image .*rgba.png has 4 '
            'channels'):
        load(tmp_path / 'vis.png', tmp_path / 'rgba.png')
    with pytest.raises(
            ValueError, match='vis.png is used as both .* has 3 '
            'channel'):
        load(tmp_path / 'vis.png', tmp_path / 'vis.png')


def annotate(path, num_classes=3, shape=(4, 6), **overrides):
    results = dict(
        seg_map_path=str(path),
        num_classes=num_classes,
        reduce_zero_label=False,
        label_map=None,
        seg_fields=[],
        ori_shape=shape,
        img_path='vis.png')
    results.update(overrides)
    return LoadMultiModalAnnotations()(results)


def test_annotations_valid(tmp_path):
    label = np.array([[0, 1, 2, 255, 2, 1]] * 4, np.uint8)
    path = write_image(tmp_path / 'label.png', label)
    np.testing.assert_array_equal(annotate(path)['gt_seg_map'], label)

    raw = np.array([[0, 1, 2, 3, 3, 1]] * 4, np.uint8)
    path = write_image(tmp_path / 'raw.png', raw)
    reduced = annotate(path, reduce_zero_label=True)['gt_seg_map']
    np.testing.assert_array_equal(reduced[0], [255, 0, 1, 2, 2, 0])
    mapped = annotate(path, label_map={3: 0})['gt_seg_map']
    np.testing.assert_array_equal(mapped[0], [0, 1, 2, 0, 0, 1])


def test_annotation_errors(tmp_path):
    bad = write_image(tmp_path / 'bad.png',
                      np.array([[0, 1, 9, 7, 255, 2]] * 4, np.uint8))
    with pytest.raises(ValueError) as info:
        annotate(bad)
    message = str(info.value)
    assert str(bad) in message and '[7, 9]' in message
    assert 'label_map' in message and 'reduce_zero_label' in message

    missing = tmp_path / 'missing.png'
    with pytest.raises(
            FileNotFoundError, match=f'Label file {re.escape(str(missing))}'):
        annotate(missing)
    colour = write_image(tmp_path / 'colour.png',
                         np.zeros((4, 6, 3), np.uint8) + [0, 0, 9])
    with pytest.raises(ValueError, match='colour.png has 3 channels'):
        annotate(colour)
    small = write_image(tmp_path / 'small.png', np.zeros((3, 6), np.uint8))
    with pytest.raises(ValueError, match='small.png is 3x6 .* is 4x6'):
        annotate(small)
    (tmp_path / 'broken.png').write_bytes(b'garbage')
    with pytest.raises(OSError, match='broken.png cannot be decoded'):
        annotate(tmp_path / 'broken.png')
    results = dict(
        seg_map_path=str(bad),
        reduce_zero_label=False,
        seg_fields=[],
        label_map=None)
    with pytest.raises(KeyError, match='num_classes'):
        LoadMultiModalAnnotations()(results)


def test_concat_infrared():
    rng = np.random.default_rng(3)
    results = dict(
        img=rng.integers(0, 256, (5, 7, 3), dtype=np.uint8),
        ir=rng.integers(0, 256, (5, 7), dtype=np.uint8),
        img_path='a.png')
    visible, infrared = results['img'].copy(), results['ir'].copy()
    out = ConcatInfrared()(results)
    assert 'ir' not in out
    assert out['img'].shape == (5, 7, 4) and out['img'].dtype == np.uint8
    assert out['img_shape'] == (5, 7)
    np.testing.assert_array_equal(out['img'][..., :3], visible)
    np.testing.assert_array_equal(out['img'][..., 3], infrared)

    with pytest.raises(ValueError, match='a.png.*ConcatInfrared'):
        ConcatInfrared()(dict(img=visible, ir=infrared[:4], img_path='a.png'))
    with pytest.raises(ValueError, match='img \\(H, W, 3\\)'):
        ConcatInfrared()(
            dict(img=np.zeros((5, 7, 4)), ir=infrared, img_path='a.png'))


def test_photometric_distortion_touches_visible_only(tmp_path):
    rng = np.random.default_rng(4)
    rgb = rng.integers(30, 220, (16, 16, 3), dtype=np.uint8)
    ir = rng.integers(0, 256, (16, 16), dtype=np.uint8)
    write_image(tmp_path / 'vis.png', rgb[..., ::-1])
    write_image(tmp_path / 'ir.png', ir)
    pipeline = Compose([
        dict(type='LoadMultiModalImages'),
        dict(type='PhotoMetricDistortion'),
        dict(type='ConcatInfrared')
    ])
    np.random.seed(0)
    changed = 0
    for _ in range(5):
        img = pipeline(
            dict(
                img_path=str(tmp_path / 'vis.png'),
                ir_path=str(tmp_path / 'ir.png')))['img']
        np.testing.assert_array_equal(img[..., 3], ir)
        changed += int(not np.array_equal(img[..., :3], rgb))
    assert changed > 0


def coordinate_pattern(h, w, num_classes):
    """Visible, infrared and label that encode each pixel's (x, y)."""
    y, x = np.mgrid[:h, :w]
    vis = np.stack([x, y, (3 * x + 7 * y) % 256], axis=2).astype(np.uint8)
    ir = ((5 * x + 11 * y) % 256).astype(np.uint8)
    label = ((x // 10 + y // 10) % num_classes).astype(np.uint8)
    return vis, ir, label


def test_geometric_transforms_keep_modalities_aligned(tmp_path):
    h, w, num_classes = 90, 130, 5
    vis, ir, label = coordinate_pattern(h, w, num_classes)
    write_image(tmp_path / 'vi' / 'p.png', vis[..., ::-1])
    write_image(tmp_path / 'ir' / 'p.png', ir)
    write_image(tmp_path / 'lb' / 'p.png', label)
    dataset = MultiModalSegDataset(
        data_root=str(tmp_path),
        data_prefix=dict(img_path='vi', ir_path='ir', seg_map_path='lb'),
        metainfo=dict(classes=tuple('abcde')),
        pipeline=[
            dict(type='LoadMultiModalImages'),
            dict(type='LoadMultiModalAnnotations'),
            dict(type='ConcatInfrared'),
            dict(
                type='RandomResize',
                scale=(w, h),
                ratio_range=(0.5, 2.0),
                keep_ratio=True,
                interpolation='nearest'),
            dict(type='RandomCrop', crop_size=(60, 60), cat_max_ratio=0.75),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(
                type='PackSegInputs',
                meta_keys=('img_path', 'ir_path', 'flip', 'scale_factor'))
        ])
    np.random.seed(0)
    flipped = scales = 0
    for _ in range(12):
        packed = dataset[0]
        img = packed['inputs'].permute(1, 2, 0).numpy().astype(int)
        gt = packed['data_samples'].gt_sem_seg.data[0].numpy()
        x, y = img[..., 0], img[..., 1]
        assert img.shape[2] == 4 and gt.shape == img.shape[:2]
        np.testing.assert_array_equal(img[..., 2], (3 * x + 7 * y) % 256)
        np.testing.assert_array_equal(img[..., 3], (5 * x + 11 * y) % 256)
        np.testing.assert_array_equal(gt, (x // 10 + y // 10) % num_classes)
        meta = packed['data_samples']
        if meta.flip:
            flipped += 1
            assert (np.diff(x, axis=1) <= 0).all()
        else:
            assert (np.diff(x, axis=1) >= 0).all()
        scales += int(meta.scale_factor[0] != 1.0)
    assert 0 < flipped < 12 and scales > 0
