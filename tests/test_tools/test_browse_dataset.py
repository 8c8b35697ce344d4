from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from segmif_mm.datasets import SegMiFDemoDataset

REPO = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO / 'configs' / 'segmif_demo.py'
ROADSCENE_CONFIG = REPO / 'configs' / 'segmif' / (
    'segmif_mit-b3_1xb4-fusion-only-400_roadscene-64x64.py')


def test_labelled_samples_after_the_train_pipeline(demo_data_root, run_tool,
                                                   tmp_path):
    out = tmp_path / 'browse'
    run_tool('analysis/browse_dataset.py', DEMO_CONFIG, '--output-dir', out,
             '--num', 3, '--cfg-options',
             f'train_dataloader.dataset.data_root={demo_data_root}')
    panels = sorted(out.glob('*.png'))
    assert [p.name[:6] for p in panels] == ['00000_', '00001_', '00002_']
    palette = np.array(SegMiFDemoDataset.METAINFO['palette'])
    for path in panels:
        panel = cv2.imread(str(path))[..., ::-1].astype(float)
        # VIS | IR | label, three training crops of at most 96x96
        height, width = panel.shape[:2]
        assert height <= 96 and width % 3 == 0 and width // 3 <= 96
        visible, infrared, label = np.split(panel, 3, axis=1)
        assert np.array_equal(infrared[..., 0], infrared[..., 1])
        # the label panel is the visible crop blended with the class
        # colours (alpha 0.8); class names written on it aside, every pixel
        # shows a palette colour
        colour = (label - 0.2 * visible) / 0.8
        distance = np.abs(colour[:, :, None] - palette[None, None]).max(-1)
        assert (distance.min(-1) <= 2).mean() > 0.8
        assert len(np.unique(distance.argmin(-1))) >= 2


def test_label_free_pairs_give_vis_and_ir(real_data, run_tool, tmp_path):
    out = tmp_path / 'browse'
    cfg = Config.fromfile(str(ROADSCENE_CONFIG))
    cfg.train_dataloader.dataset.data_root = str(real_data / 'roadscene')
    config = tmp_path / 'roadscene.py'
    cfg.dump(str(config))
    run_tool('analysis/browse_dataset.py', config, '--output-dir', out,
             '--num', 2)
    panels = sorted(out.glob('*.png'))
    assert [p.name for p in panels
            ] == ['00000_FLIR_00006.png', '00001_FLIR_00018.png']
    for path in panels:
        panel = cv2.imread(str(path))
        assert panel.shape == (64, 2 * 64, 3)  # VIS | IR crops, no label


def test_config_without_the_split_is_named(tmp_path, run_tool):
    config = tmp_path / 'no_val.py'
    Config(dict(default_scope='mmseg')).dump(str(config))
    with pytest.raises(KeyError, match='no val_dataloader.dataset'):
        run_tool('analysis/browse_dataset.py', config, '--output-dir',
                 tmp_path, '--split', 'val')
