import shutil
from pathlib import Path

import cv2
import mmcv
import numpy as np
import pytest

from segmif_mm.apis import inference_model, init_model
from segmif_mm.visualization import FusionSegLocalVisualizer

# odd sizes; manWalking's infrared JPEG is single-channel, walking's is a
# 3-channel grey copy
NAMES = ('manWalking', 'walking')


@pytest.fixture
def vifb(tmp_path: Path, real_data: Path) -> Path:
    """A few VIFB pairs copied to ``tmp_path/{ir,vi}``."""
    for folder in ('ir', 'vi'):
        (tmp_path / folder).mkdir()
        for name in NAMES:
            shutil.copy(real_data / 'vifb_pairs' / folder / f'{name}.jpg',
                        tmp_path / folder)
    return tmp_path


def test_folders_on_vifb_pairs(vifb, tmp_path, tiny_config, tiny_checkpoint,
                               run_tool):
    out = tmp_path / 'out'
    run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir', vifb / 'ir',
             '--vis', vifb / 'vi', '--out-dir', out)
    model = init_model(str(tiny_config), str(tiny_checkpoint))
    palette = np.array(model.dataset_meta['palette'])
    for name in NAMES:
        height, width = cv2.imread(str(vifb / 'vi' / f'{name}.jpg')).shape[:2]
        fused = mmcv.imread(
            str(out / 'fused' / f'{name}.png'), channel_order='rgb')
        seg = mmcv.imread(
            str(out / 'seg' / f'{name}.png'), channel_order='rgb')
        assert fused.shape == seg.shape == (height, width, 3)
        # every pixel of the segmentation has a palette colour
        assert (seg.reshape(-1, 1, 3) == palette[None]).all(-1).any(-1).all()
    expected = inference_model(model, str(vifb / 'ir' / 'walking.jpg'),
                               str(vifb / 'vi' / 'walking.jpg'))
    fused = mmcv.imread(
        str(out / 'fused' / 'walking.png'), channel_order='rgb')
    np.testing.assert_array_equal(
        fused,
        FusionSegLocalVisualizer.fused_to_uint8(expected.pred_fused_img))


def test_single_pair_with_malloc_tuning(vifb, tmp_path, tiny_config,
                                        tiny_checkpoint, run_tool,
                                        malloc_tuning_calls):
    out = tmp_path / 'single'
    run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
             vifb / 'ir' / 'manWalking.jpg', '--vis',
             vifb / 'vi' / 'manWalking.jpg', '--out-dir', out,
             '--malloc-tuning')
    assert malloc_tuning_calls == [True]
    assert sorted(p.name
                  for p in (out / 'fused').iterdir()) == ['manWalking.png']
    seg = cv2.imread(str(out / 'seg' / 'manWalking.png'))
    assert seg.shape == (254, 328, 3)


def test_unmatched_pair_fails_alone_and_mixed_inputs_are_errors(
        vifb, tmp_path, tiny_config, tiny_checkpoint, run_tool, capsys):
    (vifb / 'vi' / 'walking.jpg').rename(vifb / 'vi' / 'extra.jpg')
    with pytest.raises(SystemExit) as exc:
        run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir', vifb / 'ir',
                 '--vis', vifb / 'vi', '--out-dir', tmp_path / 'o')
    assert exc.value.code == 1
    assert sorted(p.name for p in (tmp_path / 'o' / 'fused').iterdir()) == [
        'manWalking.png'
    ]
    out = capsys.readouterr().out
    assert '1 pairs done, 0 skipped, 2 failed' in out
    assert f'failed: extra: no ir image named extra in {vifb / "ir"}' in out
    assert f'failed: walking: no vis image named walking in {vifb / "vi"}' \
        in out
    with pytest.raises(ValueError, match='both be files or both be folders'):
        run_tool('infer.py', tiny_config, tiny_checkpoint, '--ir',
                 vifb / 'ir' / 'walking.jpg', '--vis', vifb / 'vi',
                 '--out-dir', tmp_path / 'x')
    assert not (tmp_path / 'x').exists()
