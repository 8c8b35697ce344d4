"""Every file a user can hand in gets a named error (file, problem, fix) or
a documented rule."""
import os
import re
import shutil

import cv2
import mmengine.fileio as fileio
import numpy as np
import pytest
from multimodal_helpers import write_image
from PIL import Image

from segmif_mm.datasets import (LoadMultiModalAnnotations,
                                LoadMultiModalImages,
                                LoadMultiModalImagesFromNDArray)
from segmif_mm.datasets.transforms import image_files


def load(img_path, ir_path, **kwargs):
    return LoadMultiModalImages(**kwargs)(
        dict(img_path=str(img_path), ir_path=str(ir_path)))


def annotate(path, shape=(4, 6)):
    return LoadMultiModalAnnotations()(
        dict(
            seg_map_path=str(path),
            num_classes=3,
            reduce_zero_label=False,
            label_map=None,
            seg_fields=[],
            ori_shape=shape,
            img_path='vis.png'))


@pytest.fixture
def pair(tmp_path):
    """A valid 4x6 visible/infrared pair and label."""
    rng = np.random.default_rng(0)
    vis = write_image(tmp_path / 'vis.png',
                      rng.integers(0, 256, (4, 6, 3), dtype=np.uint8))
    ir = write_image(tmp_path / 'ir.png',
                     rng.integers(0, 256, (4, 6), dtype=np.uint8))
    label = write_image(tmp_path / 'label.png', np.ones((4, 6), np.uint8))
    return vis, ir, label


def expect(error, path, *phrases):
    """``pytest.raises`` for ``error`` whose message names ``path`` and
    every phrase, in any order."""
    pattern = '(?s)^' + ''.join(f'(?=.*{re.escape(str(p))})'
                                for p in (path, *phrases))
    return pytest.raises(error, match=pattern)


def test_empty_files(tmp_path, pair):
    vis, ir, _ = pair
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with expect(image_files.EmptyImageFileError, empty, 'is empty (0 bytes)',
                'Copy or export it again'):
        load(empty, ir)
    with expect(image_files.EmptyImageFileError, empty, 'Infrared image'):
        load(vis, empty)
    with expect(image_files.EmptyImageFileError, empty, 'Label file'):
        annotate(empty)
    # an OSError as before, with the path
    with pytest.raises(OSError) as info:
        load(vis, empty)
    assert info.value.path == str(empty)


@pytest.mark.parametrize('suffix,cut', [('.png', 12), ('.png', 200),
                                        ('.jpg', 2), ('.jpg', 300)])
def test_truncated_files(tmp_path, pair, suffix, cut):
    vis, ir, _ = pair
    rng = np.random.default_rng(1)
    full = write_image(tmp_path / f'full{suffix}',
                       rng.integers(0, 256, (40, 60, 3), dtype=np.uint8))
    data = full.read_bytes()
    cut_file = tmp_path / f'cut{suffix}'
    cut_file.write_bytes(data[:-cut])
    with expect(image_files.TruncatedImageFileError, cut_file, 'is truncated',
                'Copy or export it again'):
        load(cut_file, ir)
    label = write_image(tmp_path / 'label_full.png', np.ones((4, 6), np.uint8))
    label_cut = tmp_path / 'label_cut.png'
    label_cut.write_bytes(label.read_bytes()[:-12])
    with expect(image_files.TruncatedImageFileError, label_cut, 'Label file'):
        annotate(label_cut)


def test_truncated_even_if_the_decoder_is_lenient(tmp_path, pair, monkeypatch):
    """Older OpenCV builds return the decoded part of a truncated JPEG; the
    loader never uses such a partial image."""
    vis, ir, _ = pair
    cut = tmp_path / 'cut.jpg'
    cut.write_bytes(
        write_image(tmp_path / 'full.jpg', np.zeros(
            (4, 6, 3), np.uint8)).read_bytes()[:-2])
    import mmcv
    monkeypatch.setattr(mmcv, 'imfrombytes', lambda *args, **kwargs: np.zeros(
        (4, 6, 3), np.uint8))
    with expect(image_files.TruncatedImageFileError, cut, 'is truncated'):
        load(cut, ir)


def test_truncated_real_jpeg(tmp_path, real_data):
    vis = real_data / 'vifb_pairs' / 'vi' / 'walking.jpg'
    cut = tmp_path / 'walking.jpg'
    cut.write_bytes(
        (real_data / 'vifb_pairs' / 'ir' / 'walking.jpg').read_bytes()[:5000])
    with expect(image_files.TruncatedImageFileError, cut, 'Infrared image',
                'is truncated'):
        load(vis, cut)


def test_undecodable_and_folder(tmp_path, pair):
    vis, ir, _ = pair
    garbage = tmp_path / 'garbage.png'
    garbage.write_bytes(b'this is a text file')
    with expect(image_files.UndecodableImageFileError, garbage,
                'cannot be decoded', 'Re-export it as PNG, JPEG or TIFF'):
        load(vis, garbage)
    with expect(image_files.UndecodableImageFileError, garbage, 'Label file'):
        annotate(garbage)
    (tmp_path / 'folder.png').mkdir()
    with expect(image_files.UndecodableImageFileError, tmp_path / 'folder.png',
                'is a folder'):
        load(tmp_path / 'folder.png', ir)


def test_multi_page_tiff(tmp_path, pair):
    vis, ir, _ = pair
    pages = [np.full((4, 6), i * 50, np.uint8) for i in range(3)]
    tiff = tmp_path / 'stack.tiff'
    assert cv2.imwritemulti(str(tiff), pages)
    with expect(image_files.MultiPageImageFileError, tiff,
                'multi-page TIFF (3 pages)', 'single-page image'):
        load(vis, tiff)
    with expect(image_files.MultiPageImageFileError, tiff, 'Label file'):
        annotate(tiff)
    # a single-page TIFF is fine
    single = tmp_path / 'single.tiff'
    Image.fromarray(pages[1]).save(single)
    np.testing.assert_array_equal(load(vis, single)['ir'], pages[1])


def test_unreadable_file(tmp_path, pair, monkeypatch):
    vis, ir, _ = pair
    os.chmod(ir, 0)
    if os.access(ir, os.R_OK):  # root reads anything: simulate the denial

        def denied(path, backend_args=None, _get=fileio.get):
            if str(path) == str(ir):
                raise PermissionError(13, 'Permission denied', str(path))
            return _get(path, backend_args=backend_args)

        monkeypatch.setattr(fileio, 'get', denied)
    try:
        with expect(image_files.UnreadableImageFileError, ir,
                    'permission denied', f'chmod a+r {ir}'):
            load(vis, ir)
        with pytest.raises(PermissionError):
            load(vis, ir)
    finally:
        os.chmod(ir, 0o644)


def test_names_differing_in_case_or_suffix(tmp_path, pair):
    vis, ir, _ = pair
    shutil.copy(ir, tmp_path / 'Frame.PNG')
    shutil.copy(ir, tmp_path / 'other.jpg')
    for wanted, near in (('frame.png', 'Frame.PNG'), ('other.png',
                                                      'other.jpg')):
        with expect(image_files.MissingImageFileError, tmp_path / wanted,
                    f'{near} exists beside it', 'letter case and suffix',
                    'data_prefix.ir_path'):
            load(vis, tmp_path / wanted)
    with pytest.raises(FileNotFoundError, match='does not exist. Check'):
        load(vis, tmp_path / 'nothing_like_it.png')


def test_float_thermal_minmax_and_range(tmp_path, pair):
    vis, _, _ = pair
    kelvin = np.array([[273.15, 283.15, 293.15], [303.15, 313.15, 298.0]],
                      np.float32)
    write_image(tmp_path / 'vis23.png', np.zeros((2, 3, 3), np.uint8))
    cv2.imwrite(str(tmp_path / 'kelvin.tiff'), kelvin)
    minmax = load(tmp_path / 'vis23.png', tmp_path / 'kelvin.tiff')['ir']
    low, high = float(kelvin.min()), float(kelvin.max())
    expected = np.rint((kelvin.astype(float) - low) * 255 / (high - low))
    np.testing.assert_array_equal(minmax, expected)
    assert minmax.dtype == np.uint8

    ranged = load(
        tmp_path / 'vis23.png',
        tmp_path / 'kelvin.tiff',
        float_rule='range',
        float_range=(263.15, 303.15))['ir']
    expected = np.rint(
        np.clip((kelvin.astype(float) - 263.15) / 40, 0, 1) * 255)
    np.testing.assert_array_equal(ranged, expected)
    assert ranged.max() == 255  # 313.15 K is clipped

    cv2.imwrite(str(tmp_path / 'f64.tiff'), kelvin.astype(np.float64))
    np.testing.assert_array_equal(
        load(tmp_path / 'vis23.png', tmp_path / 'f64.tiff')['ir'], minmax)
    cv2.imwrite(str(tmp_path / 'flat.tiff'), np.full((2, 3), 300, np.float32))
    assert not load(tmp_path / 'vis23.png', tmp_path / 'flat.tiff')['ir'].any()

    nan = kelvin.copy()
    nan[0, 1] = np.nan
    nan[1, 1] = np.inf
    cv2.imwrite(str(tmp_path / 'nan.tiff'), nan)
    with expect(image_files.NonFiniteImageError, tmp_path / 'nan.tiff',
                '2 NaN or infinite pixel(s)', 'Replace them'):
        load(tmp_path / 'vis23.png', tmp_path / 'nan.tiff')

    for bad in (dict(float_rule='range'),
                dict(float_rule='range',
                     float_range=(5, 5)), dict(float_rule='clip')):
        with pytest.raises(ValueError, match='float_r'):
            LoadMultiModalImages(**bad)


def test_float_thermal_of_a_real_frame(real_data):
    """A real infrared frame exported as temperatures in °C, 0-40 over
    0-255: the stated range recovers the 8-bit frame exactly."""
    ir_path = real_data / 'msrs_objects' / 'ir' / '00001D.png'
    vis_path = real_data / 'msrs_objects' / 'vi' / '00001D.png'
    grey = LoadMultiModalImages()(dict(
        img_path=str(vis_path), ir_path=str(ir_path)))['ir']
    celsius = grey.astype(np.float32) * (40 / 255)
    results = LoadMultiModalImagesFromNDArray(
        float_rule='range', float_range=(0, 40))(
            dict(img_path=str(vis_path), ir=celsius, ir_path='celsius'))
    np.testing.assert_array_equal(results['ir'], grey)


def test_16bit_visible_rules_and_unsupported_types(tmp_path, pair):
    _, ir, _ = pair
    rgb16 = np.array([[[0, 257, 65535]] * 6] * 4, np.uint16)
    rgb16[0, 0] = (1000, 2000, 3000)
    write_image(tmp_path / 'vis16.png', rgb16[..., ::-1])
    full = load(tmp_path / 'vis16.png', ir)['img']
    np.testing.assert_array_equal(full, np.rint(rgb16 / 65535 * 255))
    assert tuple(full[1, 1]) == (0, 1, 255)
    stretched = load(
        tmp_path / 'vis16.png', ir, visible_uint16_rule='minmax')['img']
    # this image spans 0-65535, so both rules agree
    np.testing.assert_array_equal(stretched, full)
    grey16 = np.tile(
        np.array([100, 200, 300, 400, 500, 600], np.uint16), (4, 1))
    write_image(tmp_path / 'grey16.png', grey16)
    stretched = load(
        tmp_path / 'grey16.png', ir, visible_uint16_rule='minmax')['img']
    np.testing.assert_array_equal(stretched[0, :, 0],
                                  [0, 51, 102, 153, 204, 255])
    with pytest.raises(ValueError, match='visible_uint16_rule'):
        LoadMultiModalImages(visible_uint16_rule='shift')

    cv2.imwrite(str(tmp_path / 'visf.tiff'), np.zeros((4, 6, 3), np.float32))
    with expect(image_files.UnsupportedPixelTypeError, tmp_path / 'visf.tiff',
                'Visible image', 'pixel type float32', '8-bit'):
        load(tmp_path / 'visf.tiff', ir)
    cv2.imwrite(str(tmp_path / 'ir_s16.tiff'), np.zeros((4, 6), np.int16))
    with expect(image_files.UnsupportedPixelTypeError,
                tmp_path / 'ir_s16.tiff', 'pixel type int16', 'Convert it'):
        load(tmp_path / 'vis.png', tmp_path / 'ir_s16.tiff')


def test_label_bit_depth(tmp_path):
    ids = np.array([[0, 1, 2, 255, 2, 1]] * 4, np.uint16)
    write_image(tmp_path / 'ok16.png', ids)
    label = annotate(tmp_path / 'ok16.png')['gt_seg_map']
    assert label.dtype == np.uint8
    np.testing.assert_array_equal(label, ids)
    ids[0, 0] = 256 + 1  # would wrap to class 1 in a plain uint8 cast
    write_image(tmp_path / 'bad16.png', ids)
    with expect(image_files.UnsupportedPixelTypeError, tmp_path / 'bad16.png',
                'values 0-257', '8-bit single-channel PNG'):
        annotate(tmp_path / 'bad16.png')


def test_every_file_error_is_an_oserror():
    for error in (image_files.MissingImageFileError,
                  image_files.UnreadableImageFileError,
                  image_files.EmptyImageFileError,
                  image_files.TruncatedImageFileError,
                  image_files.UndecodableImageFileError,
                  image_files.MultiPageImageFileError):
        assert issubclass(error, image_files.ImageFileError)
        assert issubclass(error, OSError)
    assert issubclass(image_files.MissingImageFileError, FileNotFoundError)
    assert issubclass(image_files.UnreadableImageFileError, PermissionError)
