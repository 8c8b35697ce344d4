"""FusionQualityMetric on batches made by the test pipeline from tiny
images on disk, with fake predictions."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import segmif_mm.evaluation.metrics.fusion_quality_metric as module
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample
from segmif_mm.evaluation.functional import (FUSION_METRICS, fusion_metrics,
                                             rgb_to_gray)
from segmif_mm.utils import to_uint8

HEIGHT, WIDTH = 24, 32


def make_sample(img_path, ir_path, fused: torch.Tensor) -> dict:
    sample = SegDataSample(
        metainfo=dict(img_path=str(img_path), ir_path=str(ir_path)))
    sample.pred_fused_img = PixelData(data=fused)
    return sample.to_dict()


def source_batch(data_samples) -> dict:
    """``data_batch`` as the test pipeline and collate make it."""
    init_default_scope('mmseg')
    pipeline = Compose([
        dict(type='LoadMultiModalImages'),
        dict(type='ConcatInfrared'),
        dict(type='PackSegInputs', meta_keys=('img_path', 'ir_path'))
    ])
    return dict(inputs=[
        pipeline(dict(img_path=s['img_path'], ir_path=s['ir_path']))['inputs']
        for s in data_samples
    ])


@pytest.fixture
def samples(tmp_path):
    """Two samples: colour visible + 8-bit IR; grey visible + 16-bit IR."""
    rng = np.random.default_rng(0)
    vis_rgb = rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    ir_8 = rng.integers(0, 256, (HEIGHT, WIDTH), dtype=np.uint8)
    vis_grey = rng.integers(0, 256, (HEIGHT, WIDTH), dtype=np.uint8)
    ir_16 = rng.integers(1000, 5000, (HEIGHT, WIDTH), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / 'a_vis.png'), vis_rgb[..., ::-1])
    cv2.imwrite(str(tmp_path / 'a_ir.png'), ir_8)
    cv2.imwrite(str(tmp_path / 'b_vis.png'), vis_grey)
    cv2.imwrite(str(tmp_path / 'b_ir.png'), ir_16)
    # LoadMultiModalImages' default 16-bit rule: per-image min-max stretch.
    low, high = int(ir_16.min()), int(ir_16.max())
    ir_16_as_8 = np.rint((ir_16.astype(np.float32) - low) *
                         (255.0 / (high - low))).astype(np.uint8)
    # Fused images slightly outside [0, 1] must be clipped, not wrapped.
    fused = [
        torch.rand(
            3, HEIGHT, WIDTH, generator=torch.Generator().manual_seed(seed)) *
        1.2 - 0.1 for seed in (1, 2)
    ]
    expected = [
        fusion_metrics(
            rgb_to_gray(to_uint8(fused[0])), torch.from_numpy(ir_8),
            rgb_to_gray(torch.from_numpy(vis_rgb).permute(2, 0, 1))),
        fusion_metrics(
            rgb_to_gray(to_uint8(fused[1])), torch.from_numpy(ir_16_as_8),
            torch.from_numpy(vis_grey)),
    ]
    data_samples = [
        make_sample(tmp_path / 'a_vis.png', tmp_path / 'a_ir.png', fused[0]),
        make_sample(tmp_path / 'b_vis.png', tmp_path / 'b_ir.png', fused[1]),
    ]
    return data_samples, expected


def test_process_and_compute(samples, monkeypatch):
    data_samples, expected = samples
    metric = METRICS.build(dict(type='FusionQualityMetric'))
    metric.dataset_meta = dict(classes=('background', 'person'))
    metric.process(source_batch(data_samples[:1]), data_samples[:1])
    metric.process(source_batch(data_samples[1:]), data_samples[1:])
    assert len(metric.results) == 2
    for result, values in zip(metric.results, expected):
        assert result == pytest.approx(
            tuple(values[name] for name in FUSION_METRICS), abs=1e-12)
    logged = []
    monkeypatch.setattr(
        module, 'print_log', lambda msg, logger=None: logged.append(msg))
    metrics = metric.evaluate(size=2)
    assert list(metrics) == list(FUSION_METRICS)
    for name in FUSION_METRICS:
        mean = (expected[0][name] + expected[1][name]) / 2
        assert metrics[name] == pytest.approx(mean, abs=1e-12), name
    table = '\n'.join(logged)
    assert 'Fusion quality, mean of 2 images' in table
    for name, unit in FUSION_METRICS.items():
        assert name in table and unit in table


def test_grey_fused_image_and_mi_option(samples):
    data_samples, _ = samples
    grey = data_samples[0]['pred_fused_img']['data'][:1]
    data_samples[0]['pred_fused_img']['data'] = grey
    metric = METRICS.build(
        dict(type='FusionQualityMetric', mi_joint_quirk=False))
    metric.process(source_batch(data_samples[:1]), data_samples[:1])
    ir = torch.from_numpy(
        cv2.imread(data_samples[0]['ir_path'], cv2.IMREAD_UNCHANGED))
    vis = cv2.imread(data_samples[0]['img_path'])[..., ::-1].copy()
    values = fusion_metrics(
        to_uint8(grey[0]),
        ir,
        rgb_to_gray(torch.from_numpy(vis).permute(2, 0, 1)),
        mi_joint_quirk=False)
    assert metric.results[0] == pytest.approx(
        tuple(values[name] for name in FUSION_METRICS), abs=1e-12)


def test_errors(samples):
    data_samples, _ = samples
    metric = METRICS.build(dict(type='FusionQualityMetric'))
    no_fused = {
        k: v
        for k, v in data_samples[0].items() if k != 'pred_fused_img'
    }
    batch = source_batch(data_samples)
    with pytest.raises(KeyError, match='pred_fused_img'):
        metric.process(dict(inputs=batch['inputs'][:1]), [no_fused])
    with pytest.raises(ValueError, match="data_batch\\['inputs'\\]"):
        metric.process({}, data_samples)
    with pytest.raises(ValueError, match='uint8 \\[4, H, W\\]'):
        metric.process(
            dict(inputs=[x[:3] for x in batch['inputs']]), data_samples)
    data_samples[0]['pred_fused_img']['data'] = torch.rand(3, 20, 20)
    with pytest.raises(ValueError, match='remove Resize'):
        metric.process(dict(inputs=batch['inputs'][:1]), data_samples[:1])
    data_samples[1]['pred_fused_img']['data'] = torch.rand(2, HEIGHT, WIDTH)
    with pytest.raises(ValueError, match=r'\[3, H, W\]'):
        metric.process(dict(inputs=batch['inputs'][1:]), data_samples[1:])
