import os
import re
import shutil
from pathlib import Path

import cv2
import mmcv
import numpy as np
import pytest
import torch

from segmif_mm.apis import inference_model, init_model
from segmif_mm.deploy import convert_for_cpu_inference
from segmif_mm.visualization import FusionSegLocalVisualizer

# JPEG pairs of odd sizes (not multiples of 32), as in VIFB: one infrared
# image single-channel, the other stored as a 3-channel grey copy.
SIZES = dict(single=(47, 61), copies=(38, 53))
# real VIFB pairs of odd sizes, for the mixed good/bad folder
REAL_NAMES = ('manWalking', 'walking')


@pytest.fixture
def pairs(tmp_path: Path) -> Path:
    """Synthetic pairs in ``tmp_path/{ir,vi}/<name>.jpg``."""
    rng = np.random.default_rng(0)
    for folder in ('ir', 'vi'):
        (tmp_path / folder).mkdir()
    for name, (height, width) in SIZES.items():
        ir = rng.integers(0, 256, (height, width), dtype=np.uint8)
        if name == 'copies':
            ir = np.repeat(ir[..., None], 3, axis=2)
        visible = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        assert cv2.imwrite(str(tmp_path / 'ir' / f'{name}.jpg'), ir)
        assert cv2.imwrite(str(tmp_path / 'vi' / f'{name}.jpg'), visible)
    return tmp_path


def converted_model(config: Path, checkpoint: Path):
    """The model the tool runs on CPU."""
    return convert_for_cpu_inference(init_model(str(config), str(checkpoint)))


def check_outputs(out: Path, pairs: Path, name: str, model) -> None:
    """The fused image equals the API's prediction, quantised; every pixel
    of the segmentation has the palette colour of the predicted class."""
    expected = inference_model(model, str(pairs / 'ir' / f'{name}.jpg'),
                               str(pairs / 'vi' / f'{name}.jpg'))
    fused = mmcv.imread(
        str(out / 'fused' / f'{name}.png'), channel_order='rgb')
    seg = mmcv.imread(str(out / 'seg' / f'{name}.png'), channel_order='rgb')
    assert fused.dtype == seg.dtype == np.uint8
    assert fused.shape == seg.shape == (*SIZES[name], 3)
    np.testing.assert_array_equal(
        fused,
        FusionSegLocalVisualizer.fused_to_uint8(expected.pred_fused_img))
    np.testing.assert_array_equal(
        seg,
        FusionSegLocalVisualizer.colorize_sem_seg(
            expected.pred_sem_seg, model.dataset_meta['palette']))


def test_folders(pairs, tmp_path, tiny_config, tiny_checkpoint, run_tool):
    out = tmp_path / 'out'
    run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir', pairs / 'ir',
             '--vis', pairs / 'vi', '--out-dir', out)
    model = converted_model(tiny_config, tiny_checkpoint)
    for name in SIZES:
        check_outputs(out, pairs, name, model)


def test_single_pair_with_malloc_tuning(pairs, tmp_path, tiny_config,
                                        tiny_checkpoint, run_tool,
                                        malloc_tuning_calls):
    out = tmp_path / 'single'
    run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
             pairs / 'ir' / 'single.jpg', '--vis', pairs / 'vi' / 'single.jpg',
             '--out-dir', out, '--malloc-tuning')
    assert malloc_tuning_calls == [True]
    assert sorted(p.name for p in (out / 'fused').iterdir()) == ['single.png']
    check_outputs(out, pairs, 'single',
                  converted_model(tiny_config, tiny_checkpoint))


def test_plain_model_for_comparison(pairs, tmp_path, tiny_config,
                                    tiny_checkpoint, run_tool):
    out = tmp_path / 'plain'
    run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
             pairs / 'ir' / 'single.jpg', '--vis', pairs / 'vi' / 'single.jpg',
             '--out-dir', out, '--no-cpu-conversion')
    check_outputs(out, pairs, 'single',
                  init_model(str(tiny_config), str(tiny_checkpoint)))
    with pytest.raises(SystemExit):
        run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
                 pairs / 'ir', '--vis', pairs / 'vi', '--out-dir', out,
                 '--no-cpu-conversion', '--malloc-tuning')


@pytest.mark.skipif(
    not torch.ops.mkldnn._is_mkldnn_bf16_supported(),
    reason='bf16 autocast needs oneDNN bf16 kernels')
def test_bf16_precision(pairs, tmp_path, tiny_config, tiny_checkpoint,
                        run_tool, monkeypatch):
    """--precision bf16 converts the model for bf16 autocast and writes
    images of the input size."""
    from segmif_mm.deploy import prepare
    precisions = []

    def convert(model, **kwargs):
        precisions.append(kwargs['precision'])
        return convert_for_cpu_inference(model, **kwargs)

    monkeypatch.setattr(prepare, 'convert_for_cpu_inference', convert)
    out = tmp_path / 'bf16'
    run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
             pairs / 'ir' / 'single.jpg', '--vis', pairs / 'vi' / 'single.jpg',
             '--out-dir', out, '--precision', 'bf16')
    assert precisions == ['bf16']
    fused = mmcv.imread(str(out / 'fused' / 'single.png'))
    assert fused.shape == (*SIZES['single'], 3)


def test_unmatched_pair_fails_alone_and_mixed_inputs_are_errors(
        pairs, tmp_path, tiny_config, tiny_checkpoint, run_tool, capsys):
    (pairs / 'vi' / 'copies.jpg').rename(pairs / 'vi' / 'extra.jpg')
    with pytest.raises(SystemExit) as exc:
        run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
                 pairs / 'ir', '--vis', pairs / 'vi', '--out-dir',
                 tmp_path / 'o')
    assert exc.value.code == 1
    assert sorted(p.name for p in (tmp_path / 'o' / 'fused').iterdir()) == [
        'single.png'
    ]
    out = capsys.readouterr().out
    assert '1 pairs done, 0 skipped, 2 failed' in out
    assert f'failed: copies: no vis image named copies in {pairs / "vi"}' \
        in out
    assert f'failed: extra: no ir image named extra in {pairs / "ir"}' in out
    with pytest.raises(ValueError, match='both be files or both be folders'):
        run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
                 pairs / 'ir' / 'single.jpg', '--vis', pairs / 'vi',
                 '--out-dir', tmp_path / 'x')
    assert not (tmp_path / 'x').exists()


def mixed_folders(root: Path, real_data: Path) -> dict:
    """Good and bad pairs side by side, as a user's folder may hold them.

    Returns:
        dict: ``good`` names and, per bad name, a pattern of its reason.
    """
    ir, vis = root / 'ir', root / 'vi'
    ir.mkdir()
    vis.mkdir()
    for name in REAL_NAMES:
        for folder in (ir, vis):
            shutil.copy(real_data / 'vifb_pairs' / folder.name / f'{name}.jpg',
                        folder)
    grey = cv2.imread(
        str(real_data / 'vifb_pairs' / 'ir' / 'walking.jpg'),
        cv2.IMREAD_GRAYSCALE)
    colour = cv2.imread(str(real_data / 'vifb_pairs' / 'vi' / 'walking.jpg'))
    # good: temperatures as float32 (Kelvin) and a 16-bit visible image
    cv2.imwrite(str(ir / 'kelvin.tiff'), 273.15 + grey.astype(np.float32) / 8)
    cv2.imwrite(str(vis / 'kelvin.png'), colour)
    cv2.imwrite(str(ir / 'vis16.png'), grey)
    cv2.imwrite(str(vis / 'vis16.png'), colour.astype(np.uint16) * 257)
    # bad
    cv2.imwrite(str(ir / 'corrupt.png'), grey)
    (vis / 'corrupt.png').write_bytes(b'\x89PNG\r\n\x1a\n' + os.urandom(500) +
                                      b'IEND')
    (ir / 'empty.png').write_bytes(b'')
    cv2.imwrite(str(vis / 'empty.png'), colour)
    cv2.imwrite(str(ir / 'truncated.png'), grey)
    (vis / 'truncated.jpg').write_bytes(
        (vis / 'walking.jpg').read_bytes()[:4000])
    cv2.imwrite(str(ir / 'size.png'), grey[:-1])
    cv2.imwrite(str(vis / 'size.png'), colour)
    cv2.imwrite(str(ir / 'rgba.png'), grey)
    cv2.imwrite(
        str(vis / 'rgba.png'), cv2.cvtColor(colour, cv2.COLOR_BGR2BGRA))
    assert cv2.imwritemulti(str(ir / 'pages.tiff'), [grey, grey])
    cv2.imwrite(str(vis / 'pages.png'), colour)
    cv2.imwrite(str(ir / 'Case.png'), grey)
    cv2.imwrite(str(vis / 'case.png'), colour)
    cv2.imwrite(str(ir / 'twice.png'), grey)
    cv2.imwrite(str(vis / 'twice.png'), colour)
    cv2.imwrite(str(vis / 'twice.jpg'), colour)
    cv2.imwrite(str(vis / 'lonely.png'), colour)
    return dict(
        good=sorted([*REAL_NAMES, 'kelvin', 'vis16']),
        bad=dict(
            corrupt=r'UndecodableImageFileError: Visible image .*corrupt.png '
            'cannot be decoded',
            empty=r'EmptyImageFileError: Infrared image .*empty.png is empty',
            truncated=r'TruncatedImageFileError: Visible image '
            r'.*truncated.jpg is truncated',
            size=r'ValueError: Infrared image .*size.png is \d+x\d+ \(HxW\) '
            'but visible image',
            rgba=r'ValueError: Visible image .*rgba.png has 4 channels',
            pages=r'MultiPageImageFileError: Infrared image .*pages.tiff is a '
            r'multi-page TIFF \(2 pages\)',
            Case=r'no vis image named Case in .* \(case.png differs only in '
            'letter case',
            case=r'no ir image named case in .* \(Case.png differs only in '
            'letter case',
            twice=r'.*vi holds 2 images named twice \(twice.jpg, twice.png\)',
            lonely=r'no ir image named lonely'))


def test_mixed_folder_keeps_going_and_resumes(tmp_path, real_data, tiny_config,
                                              tiny_checkpoint, run_tool,
                                              capsys):
    pairs = mixed_folders(tmp_path, real_data)
    out = tmp_path / 'out'
    args = (tiny_config, tiny_checkpoint, '--ir', tmp_path / 'ir', '--vis',
            tmp_path / 'vi', '--out-dir', out, '--batch-size', '2')
    with pytest.raises(SystemExit) as exc:
        run_tool('infer.py', *args)
    assert exc.value.code == 1
    for folder in ('fused', 'seg'):
        assert sorted(p.stem for p in (out / folder).iterdir()) == \
            pairs['good']
    printed = capsys.readouterr().out
    summary = printed[printed.index('pairs done'):]
    failed = dict(
        re.findall(r'^  failed: (\w+): (.*)$', summary, flags=re.MULTILINE))
    assert sorted(failed) == sorted(pairs['bad'])
    for name, reason in pairs['bad'].items():
        assert re.match(reason, failed[name]), (name, failed[name])
    assert f'{len(pairs["good"])} pairs done, 0 skipped, ' \
        f'{len(pairs["bad"])} failed' in printed
    fused = mmcv.imread(str(out / 'fused' / 'kelvin.png'))
    assert fused.shape == cv2.imread(str(tmp_path / 'vi' / 'kelvin.png')).shape

    # resume: only the missing output is redone, the rest is skipped
    kept = out / 'fused' / 'manWalking.png'
    stamp = kept.stat().st_mtime_ns
    (out / 'seg' / 'walking.png').unlink()
    with pytest.raises(SystemExit):
        run_tool('infer.py', *args, '--skip-existing')
    printed = capsys.readouterr().out
    assert f'1 pairs done, {len(pairs["good"]) - 1} skipped, ' \
        f'{len(pairs["bad"])} failed' in printed
    assert 'skipped: manWalking: output exists (--skip-existing)' in printed
    assert (out / 'seg' / 'walking.png').is_file()
    assert kept.stat().st_mtime_ns == stamp
    assert not [p for p in out.rglob('.*')]  # no temporary files left
