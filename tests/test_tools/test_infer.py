from pathlib import Path

import cv2
import mmcv
import numpy as np
import pytest

from segmif_mm.apis import inference_model, init_model
from segmif_mm.visualization import FusionSegLocalVisualizer

# JPEG pairs of odd sizes (not multiples of 32), as in VIFB: one infrared
# image single-channel, the other stored as a 3-channel grey copy.
SIZES = dict(single=(47, 61), copies=(38, 53))


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


def check_outputs(out: Path, pairs: Path, name: str, model) -> None:
    """The fused image equals the API's prediction, quantised; every pixel
    of the segmentation has the palette colour of the predicted class."""
    expected = inference_model(model, str(pairs / 'ir' / f'{name}.jpg'),
                               str(pairs / 'vi' / f'{name}.jpg'))
    fused = mmcv.imread(str(out / 'fused' / f'{name}.png'),
                        channel_order='rgb')
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
    model = init_model(str(tiny_config), str(tiny_checkpoint))
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
                  init_model(str(tiny_config), str(tiny_checkpoint)))


def test_unmatched_and_mixed_inputs_are_errors(pairs, tmp_path, tiny_config,
                                               tiny_checkpoint, run_tool):
    (pairs / 'vi' / 'copies.jpg').rename(pairs / 'vi' / 'extra.jpg')
    with pytest.raises(ValueError, match=r"\['copies'\].*\['extra'\]"):
        run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
                 pairs / 'ir', '--vis', pairs / 'vi', '--out-dir',
                 tmp_path / 'o')
    with pytest.raises(ValueError, match='both be files or both be folders'):
        run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
                 pairs / 'ir' / 'single.jpg', '--vis', pairs / 'vi',
                 '--out-dir', tmp_path / 'o')
    assert not (tmp_path / 'o').exists()
