from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from multimodal_helpers import write_image

import segmif_mm  # noqa: F401
from mmseg.registry import DATASETS
from segmif_mm.datasets import (FMBDataset, MFNetDataset, MFNetPackedDataset,
                                MSRSDataset, MultiModalSegDataset,
                                PST900Dataset, SegMiFDemoDataset)

CONFIGS = Path(__file__).parents[2] / 'configs' / '_base_' / 'datasets'
META_KEYS = ('img_path', 'ir_path', 'seg_map_path', 'ori_shape', 'img_shape',
             'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label')
TEST_PIPELINE = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='ConcatInfrared'),
    dict(type='PackSegInputs', meta_keys=META_KEYS)
]


def train_pipeline(scale, crop=(360, 360), cat_max_ratio=0.75, labels=True):
    """The base configs' training pipeline."""
    return [
        dict(type='LoadMultiModalImages'),
        *([dict(type='LoadMultiModalAnnotations')] if labels else []),
        dict(type='PhotoMetricDistortion'),
        dict(type='ConcatInfrared'),
        dict(
            type='RandomResize',
            scale=scale,
            ratio_range=(0.5, 2.0),
            keep_ratio=True),
        dict(type='RandomCrop', crop_size=crop, cat_max_ratio=cat_max_ratio),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackSegInputs', meta_keys=META_KEYS)
    ]


def check_packed(packed, shape, num_classes=None):
    """Shapes, dtypes and value ranges of one packed sample."""
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs.dtype == torch.uint8
    assert tuple(inputs.shape) == (4, *shape)
    assert tuple(sample.img_shape) == tuple(shape)
    if num_classes is not None:
        gt = sample.gt_sem_seg.data
        assert tuple(gt.shape) == (1, *shape)
        ids = set(torch.unique(gt).tolist())
        assert ids <= set(range(num_classes)) | {255}


def check_training_crop(packed, crop=360):
    """A training sample is its resized image cropped to ``crop`` where
    larger, with the label moved along."""
    sample = packed['data_samples']
    w_scale, h_scale = sample.scale_factor
    height, width = sample.ori_shape
    shape = (min(round(height * h_scale),
                 crop), min(round(width * w_scale), crop))
    assert packed['inputs'].dtype == torch.uint8
    assert tuple(packed['inputs'].shape) == (4, *shape)
    assert tuple(sample.img_shape) == shape
    if 'gt_sem_seg' in sample:
        assert tuple(sample.gt_sem_seg.shape) == shape


LAYOUTS = [
    (FMBDataset, ('Visible', 'Infrared', 'Label'), 15),
    (MFNetDataset, ('visible', 'infrared', 'labels'), 9),
    (MSRSDataset, ('vi', 'ir', 'Segmentation_labels'), 9),
    (PST900Dataset, ('rgb', 'thermal', 'labels'), 5),
    (SegMiFDemoDataset, ('vi', 'ir', 'labels'), 4),
]


@pytest.mark.parametrize('dataset_cls,folders,num_classes', LAYOUTS)
def test_split_folder_layouts(tmp_path, write_triplets, dataset_cls, folders,
                              num_classes):
    for split, names in (('train', ['b', 'a']), ('test', ['c'])):
        write_triplets(tmp_path, names, *(f'{split}/{f}' for f in folders),
                       num_classes)
    # The default data_prefix reads the train split.
    train = dataset_cls(data_root=str(tmp_path), pipeline=TEST_PIPELINE)
    assert len(train) == 2
    assert len(train.metainfo['classes']) == num_classes
    assert len(train.metainfo['palette']) == num_classes
    info = train.get_data_info(0)
    assert info['img_path'] == str(tmp_path / 'train' / folders[0] / 'a.png')
    assert info['ir_path'] == str(tmp_path / 'train' / folders[1] / 'a.png')
    assert info['seg_map_path'] == str(tmp_path / 'train' / folders[2] /
                                       'a.png')
    assert info['num_classes'] == num_classes
    assert info['label_map'] is None
    check_packed(train[0], (24, 32), num_classes)

    test = dataset_cls(
        data_root=str(tmp_path),
        data_prefix=dict(
            img_path=f'test/{folders[0]}',
            ir_path=f'test/{folders[1]}',
            seg_map_path=f'test/{folders[2]}'),
        pipeline=TEST_PIPELINE,
        test_mode=True)
    assert len(test) == 1
    check_packed(test[0], (24, 32), num_classes)


def write_packed(root: Path, names, seed=0):
    """Original MFNet layout: 4-channel PNGs (R, G, B, thermal)."""
    rng = np.random.default_rng(seed)
    written = {}
    for name in names:
        rgbt = rng.integers(0, 256, (20, 28, 4), dtype=np.uint8)
        label = rng.integers(0, 9, (20, 28), dtype=np.uint8)
        # A PNG's channels R, G, B, A are given to OpenCV as B, G, R, A.
        write_image(root / 'images' / f'{name}.png', rgbt[..., [2, 1, 0, 3]])
        write_image(root / 'labels' / f'{name}.png', label)
        written[name] = (rgbt, label)
    return written


def test_mfnet_packed_layout(tmp_path):
    written = write_packed(tmp_path, ['00001D', '00002N', '00003D'])
    (tmp_path / 'train.txt').write_text('00001D\n')
    (tmp_path / 'val.txt').write_text('00002N\n\n')
    (tmp_path / 'test.txt').write_text('00003D\n')

    trainval = MFNetPackedDataset(
        data_root=str(tmp_path), pipeline=TEST_PIPELINE)
    assert [trainval.get_data_info(i)['img_path'] for i in range(2)] == [
        str(tmp_path / 'images' / '00001D.png'),
        str(tmp_path / 'images' / '00002N.png')
    ]
    info = trainval.get_data_info(0)
    assert info['ir_path'] == info['img_path']
    packed = trainval[1]
    rgbt, label = written['00002N']
    np.testing.assert_array_equal(packed['inputs'].permute(1, 2, 0).numpy(),
                                  rgbt)
    np.testing.assert_array_equal(packed['data_samples'].gt_sem_seg.data[0],
                                  label)

    test = MFNetPackedDataset(
        data_root=str(tmp_path), ann_file='test.txt', pipeline=TEST_PIPELINE)
    assert len(test) == 1
    np.testing.assert_array_equal(test[0]['inputs'].permute(1, 2, 0).numpy(),
                                  written['00003D'][0])

    with pytest.raises(ValueError, match='must equal'):
        MFNetPackedDataset(
            data_root=str(tmp_path),
            data_prefix=dict(img_path='images', ir_path='thermal'))


def test_generic_dataset_fields(tmp_path, write_triplets):
    write_triplets(
        tmp_path, ['x1', 'x2', 'x3'],
        'rgb',
        'lwir',
        'gt',
        3,
        suffixes=('_vis.jpg', '_ir.png', '_gt.png'))
    (tmp_path / 'splits').mkdir()
    (tmp_path / 'splits' / 'a.txt').write_text('x3\n')
    (tmp_path / 'splits' / 'b.txt').write_text('x1\n')
    kwargs = dict(
        type='MultiModalSegDataset',
        data_root=str(tmp_path),
        img_suffix='_vis.jpg',
        ir_suffix='_ir.png',
        seg_map_suffix='_gt.png',
        data_prefix=dict(img_path='rgb', ir_path='lwir', seg_map_path='gt'),
        metainfo=dict(classes=('a', 'b', 'c')),
        pipeline=TEST_PIPELINE)

    listed = DATASETS.build(kwargs)
    assert isinstance(listed, MultiModalSegDataset)
    assert len(listed) == 3
    assert listed.get_data_info(0)['ir_path'] == str(tmp_path / 'lwir' /
                                                     'x1_ir.png')
    assert listed.get_data_info(0)['seg_map_path'] == str(tmp_path / 'gt' /
                                                          'x1_gt.png')
    check_packed(listed[2], (24, 32), 3)

    split = DATASETS.build(
        dict(kwargs, ann_file=['splits/a.txt', 'splits/b.txt']))
    assert [split.get_data_info(i)['img_path'] for i in range(2)] == [
        str(tmp_path / 'rgb' / 'x3_vis.jpg'),
        str(tmp_path / 'rgb' / 'x1_vis.jpg')
    ]

    kwargs['data_prefix'] = dict(img_path='rgb', ir_path='lwir')
    kwargs['pipeline'] = TEST_PIPELINE[:1] + TEST_PIPELINE[2:]
    unlabelled = DATASETS.build(kwargs)
    assert 'seg_map_path' not in unlabelled.get_data_info(0)
    assert 'gt_sem_seg' not in unlabelled[0]['data_samples']


def test_label_map_with_class_subset(tmp_path):
    rgb = np.zeros((8, 8, 3), np.uint8)
    label = np.array([[0, 8, 9, 13, 200]], np.uint8).repeat(8, 0)
    label = np.pad(label, ((0, 0), (0, 3)))
    write_image(tmp_path / 'train/Visible/a.png', rgb)
    write_image(tmp_path / 'train/Infrared/a.png', rgb[..., 0])
    write_image(tmp_path / 'train/Label/a.png', label)
    dataset = FMBDataset(
        data_root=str(tmp_path),
        metainfo=dict(classes=('person', 'car', 'bicycle')),
        label_map={200: 13},
        pipeline=TEST_PIPELINE)
    assert dataset.metainfo['palette'] == [[166, 99, 76], [253, 121, 66],
                                           [158, 215, 222]]
    assert dataset.get_data_info(0)['num_classes'] == 3
    gt = dataset[0]['data_samples'].gt_sem_seg.data[0, 0].tolist()
    assert gt[:5] == [255, 0, 1, 2, 2]
    assert dataset.metainfo['label_map'][200] == 2

    with pytest.raises(ValueError, match='label_map entry 200: 15'):
        FMBDataset(data_root=str(tmp_path), label_map={200: 15})


def test_empty_and_missing_splits(tmp_path, write_triplets):
    (tmp_path / 'vi').mkdir()
    kwargs = dict(
        data_root=str(tmp_path),
        data_prefix=dict(img_path='vi', ir_path='ir', seg_map_path='lb'),
        metainfo=dict(classes=('a', 'b')))
    with pytest.raises(ValueError, match='found no samples in .*vi'):
        MultiModalSegDataset(**kwargs)

    (tmp_path / 'empty.txt').write_text('\n  \n')
    with pytest.raises(ValueError, match='found no samples in .*empty.txt'):
        MultiModalSegDataset(ann_file='empty.txt', **kwargs)

    with pytest.raises(FileNotFoundError, match='Split file .*missing.txt'):
        MultiModalSegDataset(ann_file=['empty.txt', 'missing.txt'], **kwargs)

    with pytest.raises(FileNotFoundError, match='folder .*nowhere'):
        MultiModalSegDataset(
            data_root=str(tmp_path),
            data_prefix=dict(img_path='nowhere', ir_path='ir'),
            metainfo=dict(classes=('a', )))

    with pytest.raises(ValueError, match='needs the visible and infrared'):
        MultiModalSegDataset(
            data_root=str(tmp_path),
            data_prefix=dict(img_path='vi', seg_map_path='lb'),
            metainfo=dict(classes=('a', )))

    write_triplets(tmp_path, ['a'], 'vi', 'ir', 'lb', 2)
    with pytest.raises(ValueError, match='needs a class list'):
        MultiModalSegDataset(
            data_root=str(tmp_path),
            data_prefix=dict(img_path='vi', ir_path='ir'))


def test_real_msrs_binary_masks(real_data):
    root = real_data / 'msrs_objects'
    kwargs = dict(
        data_root=str(root),
        data_prefix=dict(img_path='vi', ir_path='ir', seg_map_path='mask'),
        metainfo=dict(
            classes=('background', 'object'),
            palette=[[0, 0, 0], [220, 20, 60]]),
        label_map={255: 1})
    test = MultiModalSegDataset(
        pipeline=TEST_PIPELINE, test_mode=True, **kwargs)
    assert len(test) == 6
    for index in range(len(test)):
        packed = test[index]
        check_packed(packed, (480, 640), 2)
        sample = packed['data_samples']
        mask = cv2.imread(sample.seg_map_path, cv2.IMREAD_UNCHANGED)
        gt = sample.gt_sem_seg.data[0].numpy()
        np.testing.assert_array_equal(gt, (mask == 255).astype(np.int64))
        visible = cv2.imread(sample.img_path, cv2.IMREAD_COLOR)
        np.testing.assert_array_equal(packed['inputs'][:3].permute(1, 2, 0),
                                      visible[..., ::-1])

    train = MultiModalSegDataset(pipeline=train_pipeline((640, 480)), **kwargs)
    torch.manual_seed(0)
    np.random.seed(0)
    for index in range(len(train)):
        packed = train[index]
        check_training_crop(packed)
        gt = packed['data_samples'].gt_sem_seg.data
        assert set(torch.unique(gt).tolist()) <= {0, 1}


def test_real_mfnet_packed_images(real_data, tmp_path):
    folder = real_data / 'mfnet_4ch'
    (tmp_path / 'test.txt').write_text('01234N\n01477D\n')
    dataset = MFNetPackedDataset(
        data_root=str(tmp_path),
        ann_file='test.txt',
        data_prefix=dict(img_path=str(folder), ir_path=str(folder)),
        pipeline=[TEST_PIPELINE[0], *TEST_PIPELINE[2:]],
        test_mode=True)
    assert len(dataset) == 2
    for index in range(2):
        packed = dataset[index]
        check_packed(packed, (480, 640))
        raw = cv2.imread(packed['data_samples'].img_path, cv2.IMREAD_UNCHANGED)
        assert raw.shape == (480, 640, 4)
        loaded = packed['inputs'].permute(1, 2, 0).numpy()
        np.testing.assert_array_equal(loaded[..., :3], raw[..., [2, 1, 0]])
        np.testing.assert_array_equal(loaded[..., 3], raw[..., 3])

    train = MultiModalSegDataset(
        data_root=str(folder),
        data_prefix=dict(img_path='', ir_path=''),
        metainfo=dict(classes=MFNetPackedDataset.METAINFO['classes']),
        pipeline=train_pipeline((640, 480), cat_max_ratio=1.0, labels=False))
    assert train.get_data_info(0)['ir_path'] == train.get_data_info(
        0)['img_path']
    check_training_crop(train[0])


def test_real_vifb_pairs(real_data):
    root = real_data / 'vifb_pairs'
    kwargs = dict(
        data_root=str(root),
        img_suffix='.jpg',
        ir_suffix='.jpg',
        data_prefix=dict(img_path='vi', ir_path='ir'),
        metainfo=dict(classes=('background', )))
    test = MultiModalSegDataset(
        pipeline=[TEST_PIPELINE[0], *TEST_PIPELINE[2:]], **kwargs)
    assert len(test) == 21
    three_channel_ir = 0
    for index in range(len(test)):
        packed = test[index]
        sample = packed['data_samples']
        raw_ir = cv2.imread(sample.ir_path, cv2.IMREAD_UNCHANGED)
        raw_vis = cv2.imread(sample.img_path, cv2.IMREAD_COLOR)
        check_packed(packed, raw_vis.shape[:2])
        if raw_ir.ndim == 3:
            three_channel_ir += 1
            if (raw_ir == raw_ir[..., :1]).all():
                expected = raw_ir[..., 0]
            else:
                expected = cv2.cvtColor(raw_ir, cv2.COLOR_BGR2GRAY)
        else:
            expected = raw_ir
        np.testing.assert_array_equal(packed['inputs'][3].numpy(), expected)
    assert three_channel_ir > 0

    train = MultiModalSegDataset(
        pipeline=train_pipeline((640, 480), cat_max_ratio=1.0, labels=False),
        **kwargs)
    for index in (0, 7, 20):
        check_training_crop(train[index])


@pytest.mark.parametrize('config,folders,num_classes', [
    ('fmb.py', ('Visible', 'Infrared', 'Label'), 15),
    ('mfnet.py', ('visible', 'infrared', 'labels'), 9),
    ('msrs.py', ('vi', 'ir', 'Segmentation_labels'), 9),
    ('pst900.py', ('rgb', 'thermal', 'labels'), 5),
    ('segmif_demo.py', ('vi', 'ir', 'labels'), 4),
    ('mfnet_packed.py', None, 9),
])
def test_base_configs_build(tmp_path, write_triplets, config, folders,
                            num_classes):
    if folders is None:
        write_packed(tmp_path, ['a', 'b', 'c'])
        for split, name in (('train', 'a'), ('val', 'b'), ('test', 'c')):
            (tmp_path / f'{split}.txt').write_text(name + '\n')
    else:
        for split in ('train', 'test'):
            write_triplets(
                tmp_path, ['a'],
                *(f'{split}/{f}' for f in folders),
                num_classes,
                shape=(60, 80))
    cfg = Config.fromfile(str(CONFIGS / config))
    assert cfg.test_dataloader.dataset.data_prefix == \
        cfg.val_dataloader.dataset.data_prefix
    for loader, expected in ((cfg.train_dataloader, 1 + (folders is None)),
                             (cfg.val_dataloader, 1)):
        loader.dataset.data_root = str(tmp_path)
        dataset = DATASETS.build(loader.dataset)
        assert len(dataset) == expected
        packed = dataset[0]
        assert packed['inputs'].shape[0] == 4
        assert packed['data_samples'].ir_path.startswith(str(tmp_path))
        assert 'gt_sem_seg' in packed['data_samples']
