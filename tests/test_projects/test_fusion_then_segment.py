"""projects/fusion_then_segment/run.py: fuse -> train -> test -> table."""
import json
import subprocess
import sys
from pathlib import Path

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmseg.registry import DATASETS, MODELS
from segmif_mm.apis import inference_model, init_model
from segmif_mm.visualization import FusionSegLocalVisualizer
from tools.misc.make_demo_data import DEMO_CLASSES, generate_demo_dataset

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / 'projects' / 'fusion_then_segment'
FUSION_CONFIG = REPO / 'configs' / 'segmif_demo.py'
SEG_CONFIG = PROJECT / 'configs' / \
    'segformer_mit-tiny_1xb4-300_fused-demo-96x96.py'


@pytest.fixture
def run_module():
    from projects.fusion_then_segment import run
    return run


def test_results_tables(run_module):
    metrics = {
        'all/aAcc': 90.0,
        'all/mIoU': 40.0,
        'all/mAcc': 50.0,
        'all/IoU.background': 88.0,
        'all/Acc.background': 95.0,
        'all/IoU.person': 12.0,
        'all/Acc.person': 20.0,
        'no_background/aAcc': 30.0,
        'no_background/mIoU': 12.0,
        'no_background/mAcc': 20.0,
        'no_background/IoU.person': 12.0,
        'no_background/Acc.person': 20.0,
    }
    per_class, summary = run_module.results_tables(metrics)
    assert per_class.field_names == [
        'Class', 'IoU', 'Acc', 'in all', 'in no_background'
    ]
    assert per_class.rows == [['background', 88.0, 95.0, 'yes', 'no'],
                              ['person', 12.0, 20.0, 'yes', 'yes']]
    assert summary.rows == [['all', 40.0, 50.0, 90.0],
                            ['no_background', 12.0, 20.0, 30.0]]
    with pytest.raises(ValueError, match='MultiProtocolIoUMetric'):
        run_module.results_tables({'mIoU': 40.0})
    with pytest.raises(ValueError, match='per_class_keys=True'):
        run_module.results_tables({'all/mIoU': 40.0})


def test_arguments(run_module, capsys):
    with pytest.raises(SystemExit):
        run_module.parse_args(['cfg.py', '--work-dir', 'w'])
    with pytest.raises(SystemExit):
        run_module.parse_args(
            ['cfg.py', '--work-dir', 'w', '--fusion-checkpoint', 'c.pth'])
    assert '--fusion-config' in capsys.readouterr().err
    args = run_module.parse_args(
        ['cfg.py', '--work-dir', 'w', '--fused-root', 'fused'])
    assert args.fused_root == 'fused' and args.fusion_checkpoint is None


def test_fuse_train_test_end_to_end(tmp_path: Path):
    """The tiny demo SegMiF (random weights) fuses the demo splits with
    tools/fuse.py; a tiny stock SegFormer trains two iterations on the fused
    images and is tested; run.py prints the per-class and protocol tables."""
    generate_demo_dataset(
        str(tmp_path / 'data' / 'segmif_demo'),
        num_train=4,
        num_test=2,
        size=(64, 80))
    torch.manual_seed(0)
    segmif = init_model(str(FUSION_CONFIG))
    checkpoint = tmp_path / 'segmif_demo.pth'
    torch.save(
        dict(
            state_dict=segmif.state_dict(),
            meta=dict(dataset_meta=segmif.dataset_meta)), checkpoint)
    work_dir = tmp_path / 'work'
    loader_options = [
        f'{split}_dataloader.{key}' for split in ('train', 'val', 'test')
        for key in ('num_workers=0', 'persistent_workers=False')
    ]
    command = [
        sys.executable,
        str(PROJECT / 'run.py'),
        str(SEG_CONFIG), '--work-dir',
        str(work_dir), '--fusion-config',
        str(FUSION_CONFIG), '--fusion-checkpoint',
        str(checkpoint), '--cfg-options', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=1000', 'train_dataloader.batch_size=2',
        *loader_options
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + \
        result.stderr[-3000:]

    data_root = tmp_path / 'data' / 'segmif_demo'
    for split, count in (('train', 4), ('test', 2)):
        fused = sorted((work_dir / 'fused' / split).glob('*.png'))
        labels = sorted((data_root / split / 'labels').glob('*.png'))
        assert [p.name for p in fused] == [p.name for p in labels]
        assert len(fused) == count
        for path in fused:
            # SegMiF's fused image of the pair, as RGB. tools/fuse.py runs
            # the model converted for CPU inference: float rounding at the
            # 8-bit boundary may move a pixel by one grey level (the
            # contract of tests/test_deploy/test_cpu.py).
            expected = FusionSegLocalVisualizer.fused_to_uint8(
                inference_model(segmif,
                                str(data_root / split / 'ir' / path.name),
                                str(data_root / split / 'vi' /
                                    path.name)).pred_fused_img)
            image = mmcv.imread(str(path), channel_order='rgb')
            assert image.dtype == np.uint8 and image.shape == (64, 80, 3)
            difference = np.abs(image.astype(int) - expected.astype(int))
            assert difference.max() <= 1 and (difference > 0).mean() < 1e-3
    checkpoint = work_dir / 'segmenter' / 'iter_2.pth'
    assert checkpoint.is_file()

    metrics = json.loads((work_dir / 'metrics.json').read_text())
    expected = protocol_metrics(
        segmenter_and_test_set(data_root, work_dir / 'fused', checkpoint))
    # The metric rounds to 2 decimals.
    assert metrics == pytest.approx(expected, abs=0.006, nan_ok=True)
    out = result.stdout
    assert f'FUSED_ROOT={work_dir / "fused"}' in out
    assert 'tools/fuse.py' in out and 'tools/train.py' in out and \
        'tools/test.py' in out
    table = out[out.index('Fusion-then-segment: per class'):]
    for class_name in DEMO_CLASSES:
        cells = table_row(table, class_name)
        assert float(cells[1]) == metrics[f'all/IoU.{class_name}']
        assert float(cells[2]) == metrics[f'all/Acc.{class_name}']
    summary = table[table.index('mean over each protocol'):]
    assert [float(c) for c in table_row(summary, 'all')[1:]] == [
        metrics['all/mIoU'], metrics['all/mAcc'], metrics['all/aAcc']
    ]


def segmenter_and_test_set(data_root: Path, fused_root: Path,
                           checkpoint: Path):
    """The trained segmenter (eval mode) and its test dataset."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv('FUSED_ROOT', str(fused_root))
        cfg = Config.fromfile(str(SEG_CONFIG))
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, str(checkpoint), map_location='cpu')
    dataset = DATASETS.build(
        dict(cfg.test_dataloader.dataset, data_root=str(data_root)))
    return model.eval(), dataset


def protocol_metrics(model_and_dataset) -> dict:
    """MultiProtocolIoUMetric's numbers (%, not rounded) computed from
    the segmenter's predictions: per-class IoU and Acc over all test pixels
    (label 255 ignored); a protocol averages them over its kept classes
    (NaN-ignoring) and counts aAcc over the pixels of kept classes."""
    model, dataset = model_and_dataset
    num_classes = len(DEMO_CLASSES)
    intersect, union, label_area = (np.zeros(num_classes) for _ in range(3))
    for index in range(len(dataset)):
        with torch.no_grad():
            [sample] = model.test_step(pseudo_collate([dataset[index]]))
        pred = sample.pred_sem_seg.data[0].numpy()
        gt = sample.gt_sem_seg.data[0].numpy()
        for class_id in range(num_classes):
            is_pred = (pred == class_id) & (gt != 255)
            is_gt = gt == class_id
            intersect[class_id] += (is_pred & is_gt).sum()
            union[class_id] += (is_pred | is_gt).sum()
            label_area[class_id] += is_gt.sum()
    with np.errstate(invalid='ignore'):
        iou, acc = intersect / union, intersect / label_area
    metrics = {}
    for protocol, kept in (('all', range(num_classes)), ('no_background',
                                                         range(1,
                                                               num_classes))):
        kept = list(kept)
        metrics[f'{protocol}/aAcc'] = \
            100 * intersect[kept].sum() / label_area[kept].sum()
        for name, values in (('IoU', iou), ('Acc', acc)):
            metrics[f'{protocol}/m{name}'] = 100 * np.nanmean(values[kept])
            for class_id in kept:
                metrics[f'{protocol}/{name}.{DEMO_CLASSES[class_id]}'] = \
                    100 * values[class_id]
    return metrics


def table_row(table: str, first_cell: str) -> list:
    """The stripped cells of the first PrettyTable row starting with
    ``first_cell``."""
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.split('|')[1:-1]]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f'no row {first_cell!r} in\n{table}')


def test_missing_fused_images_stop_the_run(tmp_path: Path):
    missing = tmp_path / 'no_fused_images'
    command = [
        sys.executable,
        str(PROJECT / 'run.py'),
        str(SEG_CONFIG), '--work-dir',
        str(tmp_path / 'work'), '--fused-root',
        str(missing)
    ]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode != 0
    assert f'Fused image folder {missing}/train does not exist' in \
        result.stderr
    assert 'tools/fuse.py' in result.stderr
    assert 'Step failed with exit status' in result.stderr
    assert 'tools/test.py' not in result.stdout
