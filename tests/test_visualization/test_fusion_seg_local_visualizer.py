import mmcv
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from segmif_mm.visualization import FusionSegLocalVisualizer

PALETTE = [[10, 20, 30], [200, 0, 0], [0, 150, 250]]
CLASSES = ('a', 'b', 'c')
H, W = 6, 9


def make_visualizer(name: str, alpha: float = 1.0):
    return FusionSegLocalVisualizer(
        name=name, classes=CLASSES, palette=PALETTE, alpha=alpha)


def make_sample(with_gt: bool = True) -> SegDataSample:
    rng = np.random.default_rng(0)
    sample = SegDataSample()
    sample.pred_fused_img = PixelData(
        data=torch.from_numpy(rng.uniform(0, 1, (3, H, W))).float())
    sample.pred_sem_seg = PixelData(
        data=torch.from_numpy(rng.integers(0, 3, (1, H, W))))
    if with_gt:
        gt = rng.integers(0, 3, (1, H, W))
        gt[0, 0, :3] = 255
        sample.gt_sem_seg = PixelData(data=torch.from_numpy(gt))
    return sample


def test_fused_to_uint8_rounds_and_clips_without_stretching():
    fused = torch.tensor([[[0.2, 0.6], [-0.2, 1.3]]]).repeat(3, 1, 1)
    fused[1] = torch.tensor([[0.4, 0.8], [0.02, 0.75]])
    out = FusionSegLocalVisualizer.fused_to_uint8(PixelData(data=fused))
    assert out.dtype == np.uint8 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[..., 0], [[51, 153], [0, 255]])
    np.testing.assert_array_equal(out[..., 1], [[102, 204], [5, 191]])
    # a dim image stays dim: no min-max stretching
    dim = FusionSegLocalVisualizer.fused_to_uint8(np.full((1, 3, 4), 0.1))
    assert dim.shape == (3, 4, 3) and (dim == 26).all()


@pytest.mark.parametrize('bad', [
    np.zeros((2, 4, 4)),
    np.zeros((4, 4)),
    np.full((3, 2, 2), np.nan),
])
def test_fused_to_uint8_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        FusionSegLocalVisualizer.fused_to_uint8(bad)


def test_colorize_sem_seg_uses_palette_and_blacks_out_ignore():
    labels = torch.tensor([[[0, 1], [2, 255]]])
    out = FusionSegLocalVisualizer.colorize_sem_seg(labels, PALETTE)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(
        out, [[PALETTE[0], PALETTE[1]], [PALETTE[2], [0, 0, 0]]])
    with pytest.raises(ValueError, match='palette'):
        FusionSegLocalVisualizer.colorize_sem_seg(labels, [])


def test_panel_layout_visible_infrared_fused_pred_gt():
    rng = np.random.default_rng(1)
    visible = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    infrared = rng.integers(0, 256, (H, W), dtype=np.uint8)
    sample = make_sample()
    visualizer = make_visualizer('panel_layout')
    panel = visualizer.draw_panel(visible, sample, infrared, with_labels=False)
    assert panel.shape == (H, 5 * W, 3)
    fused = FusionSegLocalVisualizer.fused_to_uint8(sample.pred_fused_img)
    np.testing.assert_array_equal(panel[:, :W], visible)
    np.testing.assert_array_equal(panel[:, W:2 * W],
                                  np.repeat(infrared[..., None], 3, 2))
    np.testing.assert_array_equal(panel[:, 2 * W:3 * W], fused)
    # alpha=1: the label panels are the plain palette colours
    np.testing.assert_array_equal(
        panel[:, 3 * W:4 * W],
        FusionSegLocalVisualizer.colorize_sem_seg(sample.pred_sem_seg,
                                                  PALETTE))
    np.testing.assert_array_equal(
        panel[:, 4 * W:],
        FusionSegLocalVisualizer.colorize_sem_seg(sample.gt_sem_seg, PALETTE))


def test_panel_overlays_labels_on_fused_image_with_alpha():
    visible = np.zeros((H, W, 3), np.uint8)
    sample = make_sample(with_gt=False)
    visualizer = make_visualizer('panel_alpha', alpha=0.5)
    panel = visualizer.draw_panel(visible, sample, with_labels=False)
    assert panel.shape == (H, 3 * W, 3)  # visible | fused | prediction
    fused = FusionSegLocalVisualizer.fused_to_uint8(sample.pred_fused_img)
    colours = FusionSegLocalVisualizer.colorize_sem_seg(
        sample.pred_sem_seg, PALETTE)
    expected = (fused * 0.5 + colours * 0.5).astype(np.uint8)
    np.testing.assert_array_equal(panel[:, 2 * W:], expected)


def test_four_channel_image_gives_infrared_panel():
    rgbt = np.random.default_rng(2).integers(0, 256, (H, W, 4), np.uint8)
    visualizer = make_visualizer('panel_rgbt')
    panel = visualizer.draw_panel(rgbt, make_sample(), draw_gt=False)
    assert panel.shape == (H, 4 * W, 3)
    np.testing.assert_array_equal(panel[:, W:2 * W, 1], rgbt[..., 3])


def test_size_mismatch_is_an_error():
    visualizer = make_visualizer('panel_mismatch')
    with pytest.raises(ValueError, match='original image size'):
        visualizer.draw_panel(np.zeros((H + 1, W, 3), np.uint8), make_sample())
    with pytest.raises(ValueError, match='registered pair'):
        visualizer.draw_panel(
            np.zeros((H, W, 3), np.uint8), None, np.zeros((H, W + 1),
                                                          np.uint8))


def test_add_datasample_writes_rgb_panel(tmp_path):
    visualizer = VISUALIZERS.build(
        dict(
            type='FusionSegLocalVisualizer',
            name='add_datasample_test',
            classes=CLASSES,
            palette=PALETTE,
            alpha=1.0))
    assert isinstance(visualizer, FusionSegLocalVisualizer)
    assert visualizer.dataset_meta == dict(classes=CLASSES, palette=PALETTE)
    visible = np.full((H, W, 3), (255, 0, 0), np.uint8)
    infrared = np.zeros((H, W), np.uint8)
    sample = make_sample()
    out_file = tmp_path / 'panel.png'
    visualizer.add_datasample(
        'sample',
        visible,
        sample,
        infrared=infrared,
        with_labels=False,
        out_file=str(out_file))
    written = mmcv.imread(str(out_file), channel_order='rgb')
    assert written.shape == (H, 5 * W, 3)
    assert (written[:, :W] == (255, 0, 0)).all()  # RGB on disk
    np.testing.assert_array_equal(
        written,
        visualizer.draw_panel(visible, sample, infrared, with_labels=False))
