"""FusedImageDataset (projects/fusion_then_segment)."""
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmseg.registry import DATASETS
from segmif_mm.datasets import SegMiFDemoDataset

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='PackSegInputs')
]


@pytest.fixture
def fused_dataset():
    from projects.fusion_then_segment.fusion_then_segment import \
        FusedImageDataset
    return FusedImageDataset


@pytest.fixture
def fused_dir(demo_data_root: Path, tmp_path: Path) -> Path:
    """Stand-in fused images: copies of the visible test images."""
    folder = tmp_path / 'fused' / 'test'
    shutil.copytree(demo_data_root / 'test' / 'vi', folder)
    return folder


def build(demo_data_root: Path, fused_dir: Path, **kwargs):
    cfg = dict(
        type='FusedImageDataset',
        source='SegMiFDemoDataset',
        data_root=str(demo_data_root),
        data_prefix=dict(img_path=str(fused_dir), seg_map_path='test/labels'),
        pipeline=PIPELINE)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_samples_metainfo_and_loading(fused_dataset, demo_data_root,
                                      fused_dir):
    dataset = build(demo_data_root, fused_dir)
    assert isinstance(dataset, fused_dataset)
    assert dataset.metainfo['classes'] == SegMiFDemoDataset.METAINFO['classes']
    assert dataset.metainfo['palette'] == SegMiFDemoDataset.METAINFO['palette']
    names = sorted(p.name for p in fused_dir.glob('*.png'))
    assert len(dataset) == len(names) == 4
    info = dataset.get_data_info(1)
    assert info['img_path'] == str(fused_dir / names[1])
    assert info['seg_map_path'] == str(demo_data_root / 'test' / 'labels' /
                                       names[1])
    assert info['num_classes'] == 4
    assert 'ir_path' not in info
    sample = dataset[1]
    # LoadImageFromFile reads B, G, R, as cv2 does.
    fused = cv2.imread(info['img_path'], cv2.IMREAD_COLOR)
    assert fused.shape == (64, 80, 3)
    np.testing.assert_array_equal(sample['inputs'].permute(1, 2, 0).numpy(),
                                  fused)
    label = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(
        sample['data_samples'].gt_sem_seg.data[0].numpy(), label)


def test_metainfo_without_source(fused_dataset, demo_data_root, fused_dir):
    dataset = build(
        demo_data_root,
        fused_dir,
        source=None,
        metainfo=dict(classes=('a', 'b', 'c', 'd', 'e')))
    assert dataset.metainfo['classes'] == ('a', 'b', 'c', 'd', 'e')
    assert dataset.get_data_info(0)['num_classes'] == 5


def test_ann_file_selects_samples(fused_dataset, demo_data_root, fused_dir,
                                  tmp_path):
    names = sorted(p.stem for p in fused_dir.glob('*.png'))
    split = tmp_path / 'split.txt'
    split.write_text('\n'.join(names[:2]) + '\n')
    dataset = build(demo_data_root, fused_dir, ann_file=str(split))
    assert len(dataset) == 2
    split.write_text(names[0] + '\nnot_fused\n')
    with pytest.raises(FileNotFoundError, match='no fused image.*not_fused'):
        build(demo_data_root, fused_dir, ann_file=str(split))


def test_bad_inputs_name_the_problem(fused_dataset, demo_data_root, fused_dir,
                                     tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.*tools/fuse.py'):
        build(demo_data_root, tmp_path / 'missing')
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match='no fused images'):
        build(demo_data_root, empty)
    with pytest.raises(KeyError, match="'NoSuchDataset'.*registered"):
        build(demo_data_root, fused_dir, source='NoSuchDataset')
    with pytest.raises(ValueError, match='needs a class list'):
        build(demo_data_root, fused_dir, source=None)
    # Fused images of the test split with the train labels.
    (fused_dir / 'extra.png').write_bytes(
        next(fused_dir.glob('*.png')).read_bytes())
    with pytest.raises(
            FileNotFoundError,
            match=r'1 of 5 samples have no label.*extra.png'):
        build(demo_data_root, fused_dir)
