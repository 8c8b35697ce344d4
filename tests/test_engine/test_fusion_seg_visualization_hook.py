from pathlib import Path
from types import SimpleNamespace

import cv2
import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.structures import PixelData

from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer
from segmif_mm.engine.hooks.fusion_seg_visualization_hook import \
    FusionSegVisualizationHook
from segmif_mm.visualization import FusionSegLocalVisualizer
from tools.misc.make_demo_data import generate_demo_dataset

TINY_CONFIG = Path(__file__).parents[1] / 'configs' / 'segmif_tiny.py'
CLASSES = ('a', 'b', 'c')
PALETTE = [[10, 20, 30], [200, 0, 0], [0, 150, 250]]
H, W = 13, 17


def plain_visualizer(name: str, **kwargs) -> SegLocalVisualizer:
    visualizer = SegLocalVisualizer.get_instance(name, alpha=1.0, **kwargs)
    visualizer.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    return visualizer


def write_pair(root: Path, name: str = 'frame01'):
    rng = np.random.default_rng(0)
    visible = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    infrared = rng.integers(0, 256, (H, W), dtype=np.uint8)
    (root / 'vi').mkdir(parents=True, exist_ok=True)
    (root / 'ir').mkdir(parents=True, exist_ok=True)
    cv2.imwrite(
        str(root / 'vi' / f'{name}.png'),
        cv2.cvtColor(visible, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(root / 'ir' / f'{name}.png'), infrared)
    return visible, infrared


def source_batch(visible: np.ndarray, infrared: np.ndarray) -> dict:
    """``data_batch`` with the uint8 (R, G, B, IR) input of one sample."""
    packed = np.concatenate([visible, infrared[..., None]], axis=2)
    return dict(inputs=[torch.from_numpy(packed).permute(2, 0, 1)])


def make_output(root: Path, name: str = 'frame01') -> SegDataSample:
    rng = np.random.default_rng(1)
    sample = SegDataSample(
        metainfo=dict(
            img_path=str(root / 'vi' / f'{name}.png'),
            ir_path=str(root / 'ir' / f'{name}.png'),
            ori_shape=(H, W)))
    sample.pred_fused_img = PixelData(
        data=torch.from_numpy(rng.uniform(0, 1, (3, H, W))).float())
    sample.pred_sem_seg = PixelData(
        data=torch.from_numpy(rng.integers(0, 3, (1, H, W))))
    sample.gt_sem_seg = PixelData(
        data=torch.from_numpy(rng.integers(0, 3, (1, H, W))))
    return sample


def test_test_mode_writes_fused_seg_and_panel(tmp_path):
    plain_visualizer('fsvh_test_mode')
    visible, infrared = write_pair(tmp_path)
    output = make_output(tmp_path)
    hook = FusionSegVisualizationHook(draw=True, out_dir='vis')
    runner = SimpleNamespace(work_dir=str(tmp_path / 'work'), iter=0)
    hook.after_test_iter(runner, 0, source_batch(visible, infrared), [output])

    out = tmp_path / 'work' / 'vis'
    fused = mmcv.imread(
        str(out / 'fused' / 'frame01.png'), channel_order='rgb')
    np.testing.assert_array_equal(
        fused, FusionSegLocalVisualizer.fused_to_uint8(output.pred_fused_img))
    seg = mmcv.imread(str(out / 'seg' / 'frame01.png'), channel_order='rgb')
    np.testing.assert_array_equal(
        seg,
        FusionSegLocalVisualizer.colorize_sem_seg(output.pred_sem_seg,
                                                  PALETTE))
    panel = mmcv.imread(
        str(out / 'panel' / 'frame01.png'), channel_order='rgb')
    assert panel.shape == (H, 5 * W, 3)
    np.testing.assert_array_equal(panel[:, :W], visible)
    np.testing.assert_array_equal(panel[:, W:2 * W, 0], infrared)
    np.testing.assert_array_equal(panel[:, 2 * W:3 * W], fused)


def test_draw_false_writes_nothing(tmp_path):
    plain_visualizer('fsvh_no_draw')
    batch = source_batch(*write_pair(tmp_path))
    hook = FusionSegVisualizationHook(draw=False, out_dir=str(tmp_path / 'v'))
    hook.after_test_iter(
        SimpleNamespace(work_dir=str(tmp_path), iter=0), 0, batch,
        [make_output(tmp_path)])
    assert not (tmp_path / 'v').exists()


def test_val_mode_logs_panels_every_interval(tmp_path):
    visualizer = FusionSegLocalVisualizer.get_instance(
        'fsvh_val_mode',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path / 'logs'),
        classes=CLASSES,
        palette=PALETTE)
    visible, infrared = write_pair(tmp_path)
    batch = source_batch(visible, infrared)
    hook = FusionSegVisualizationHook(draw=True, interval=2)
    assert hook._drawer is visualizer
    runner = SimpleNamespace(work_dir=str(tmp_path), iter=7)
    hook.after_val_iter(runner, 0, batch, [make_output(tmp_path)])
    image_dir = tmp_path / 'logs' / 'vis_data' / 'vis_image'
    assert not list(image_dir.glob('*.png'))
    output = make_output(tmp_path)
    hook.after_val_iter(runner, 1, batch, [output])
    logged = mmcv.imread(
        str(image_dir / 'val_frame01.png_7.png'), channel_order='rgb')
    assert logged.dtype == np.uint8 and logged.shape == (H, 5 * W, 3)
    np.testing.assert_array_equal(logged[:, :W], visible)
    np.testing.assert_array_equal(logged[:, W:2 * W, 0], infrared)
    np.testing.assert_array_equal(
        logged[:, 2 * W:3 * W],
        FusionSegLocalVisualizer.fused_to_uint8(output.pred_fused_img))


def test_inputs_that_are_not_rgbt_name_the_fix(tmp_path):
    plain_visualizer('fsvh_bad_inputs')
    visible, _ = write_pair(tmp_path)
    hook = FusionSegVisualizationHook(draw=True, out_dir=str(tmp_path))
    with pytest.raises(ValueError, match=r'\[4, H, W\]'):
        hook.after_test_iter(
            SimpleNamespace(work_dir=str(tmp_path), iter=0), 0,
            dict(inputs=[torch.from_numpy(visible).permute(2, 0, 1)]),
            [make_output(tmp_path)])


def test_runner_test_writes_images_at_original_size(tmp_path):
    size = (64, 80)
    names = generate_demo_dataset(
        str(tmp_path / 'data'), num_train=1, num_test=2, size=size)['test']
    cfg = Config.fromfile(str(TINY_CONFIG))
    cfg.model.backbone.init_cfg = None
    cfg.test_dataloader.dataset.data_root = str(tmp_path / 'data')
    cfg.merge_from_dict(
        dict(
            work_dir=str(tmp_path / 'work'),
            test_evaluator=dict(type='IoUMetric', iou_metrics=['mIoU']),
            test_cfg=dict(type='TestLoop'),
            visualizer=dict(
                type='SegLocalVisualizer', name='fsvh_runner_visualizer'),
            default_hooks=dict(
                visualization=dict(
                    type='FusionSegVisualizationHook',
                    draw=True,
                    out_dir=str(tmp_path / 'show')))))
    runner = Runner.from_cfg(cfg)
    runner.test()
    palette = np.array(runner.test_dataloader.dataset.metainfo['palette'])
    width = size[1]
    for name in names:
        images = {
            folder:
            mmcv.imread(
                str(tmp_path / 'show' / folder / f'{name}.png'),
                channel_order='rgb')
            for folder in ('fused', 'seg', 'panel')
        }
        for folder, image in images.items():
            assert image.dtype == np.uint8
            columns = 5 if folder == 'panel' else 1
            assert image.shape == (size[0], columns * width, 3), folder
        # The panel shows the pair as read from disk and the fused image.
        visible = mmcv.imread(
            str(tmp_path / 'data' / 'test' / 'vi' / f'{name}.png'),
            channel_order='rgb')
        infrared = cv2.imread(
            str(tmp_path / 'data' / 'test' / 'ir' / f'{name}.png'),
            cv2.IMREAD_UNCHANGED)
        panel = images['panel']
        np.testing.assert_array_equal(panel[:, :width], visible)
        np.testing.assert_array_equal(panel[:, width:2 * width, 0], infrared)
        np.testing.assert_array_equal(panel[:, 2 * width:3 * width],
                                      images['fused'])
        # Every pixel of the segmentation has a palette colour.
        seg = images['seg'].reshape(-1, 1, 3)
        assert (seg == palette[None]).all(-1).any(-1).all()
