"""MultiProtocolIoUMetric on a hand-built confusion."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

import segmif_mm.evaluation.metrics.multi_protocol_iou_metric as module
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

CLASSES = ('unlabeled', 'road', 'bicycle', 'car')
PROTOCOLS = dict(
    all=[], no_unlabeled=['unlabeled'], fmb=['unlabeled', 'bicycle'])

# (ground truth, prediction, pixel count). 255 = ignore. No bicycle pixels
# in the ground truth; one car pixel predicted as bicycle.
CONFUSION = [(0, 0, 2), (0, 1, 2), (1, 1, 5), (1, 3, 1), (3, 3, 4), (3, 2, 1),
             (255, 1, 2)]


def make_samples():
    """The confusion split over two 1-row images."""
    gt = np.concatenate([np.full(n, g) for g, _, n in CONFUSION])
    pred = np.concatenate([np.full(n, p) for _, p, n in CONFUSION])
    samples = []
    for part in (slice(0, 8), slice(8, None)):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(
            data=torch.from_numpy(gt[part]).view(1, 1, -1))
        sample.pred_sem_seg = PixelData(
            data=torch.from_numpy(pred[part]).view(1, 1, -1))
        samples.append(sample.to_dict())
    return samples


def build(**kwargs):
    metric = METRICS.build(
        dict(type='MultiProtocolIoUMetric', protocols=PROTOCOLS, **kwargs))
    metric.dataset_meta = dict(classes=CLASSES)
    return metric


def test_protocol_means_by_hand(monkeypatch):
    logged = []
    monkeypatch.setattr(
        module, 'print_log', lambda msg, logger=None: logged.append(msg))
    metric = build(per_class_keys=True)
    metric.process({}, make_samples())
    metrics = metric.evaluate(size=2)
    # Per class: intersection / union and intersection / GT pixels.
    # unlabeled 2/4, 2/4; road 5/8, 5/6; bicycle 0/1, no GT (NaN); car 4/6,
    # 4/5. Predicting road on unlabeled pixels still counts against road.
    iou = dict(unlabeled=2 / 4, road=5 / 8, bicycle=0 / 1, car=4 / 6)
    acc = dict(unlabeled=2 / 4, road=5 / 6, car=4 / 5)

    def pct(value):
        return round(value * 100, 2)

    assert metrics['all/mIoU'] == pct(np.mean(list(iou.values())))
    assert metrics['all/mAcc'] == pct(np.mean(list(acc.values())))
    assert metrics['all/aAcc'] == pct(11 / 15)
    assert metrics['no_unlabeled/mIoU'] == pct((5 / 8 + 0 + 4 / 6) / 3)
    assert metrics['no_unlabeled/mAcc'] == pct((5 / 6 + 4 / 5) / 2)
    assert metrics['no_unlabeled/aAcc'] == pct(9 / 11)
    # FMB protocol: bicycle (never in the ground truth) dropped as well.
    assert metrics['fmb/mIoU'] == pct((5 / 8 + 4 / 6) / 2)
    assert metrics['fmb/mAcc'] == pct((5 / 6 + 4 / 5) / 2)
    assert metrics['fmb/aAcc'] == pct(9 / 11)
    assert metrics['fmb/IoU.road'] == pct(5 / 8)
    assert 'fmb/IoU.bicycle' not in metrics
    assert 'fmb/IoU.unlabeled' not in metrics
    assert metrics['all/IoU.bicycle'] == 0.0
    assert np.isnan(metrics['all/Acc.bicycle'])
    assert all('/' in key for key in metrics)
    class_table, summary = logged
    assert 'protocols: all, no_unlabeled, fmb' in class_table
    for name in CLASSES:
        assert name in class_table
    for name in PROTOCOLS:
        assert name in summary
    assert 'unlabeled, bicycle' in summary


def test_default_protocol_matches_iou_metric():
    samples = make_samples()
    ours = METRICS.build(dict(type='MultiProtocolIoUMetric'))
    stock = METRICS.build(dict(type='IoUMetric'))
    for metric in (ours, stock):
        metric.dataset_meta = dict(classes=CLASSES)
        metric.process({}, samples)
    expected = stock.evaluate(size=2)
    got = ours.evaluate(size=2)
    assert got == pytest.approx(
        {
            f'all/{key}': value
            for key, value in expected.items()
        }, abs=1e-4)


def test_unknown_class_names_are_rejected():
    metric = METRICS.build(
        dict(type='MultiProtocolIoUMetric', protocols=dict(c=['bike'])))
    with pytest.raises(ValueError, match="'unlabeled', 'road'"):
        metric.dataset_meta = dict(classes=CLASSES)
    metric = METRICS.build(
        dict(type='MultiProtocolIoUMetric', protocols=dict(c=list(CLASSES))))
    with pytest.raises(ValueError, match='every class'):
        metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match='list of class names'):
        METRICS.build(
            dict(type='MultiProtocolIoUMetric', protocols=dict(c='unlabeled')))
