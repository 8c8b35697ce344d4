import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmseg.registry import DATASETS


def write(path: Path, shape=(12, 16), channels=0, value=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full(shape + ((channels, ) if channels else ()), value,
                    np.uint8)
    assert cv2.imwrite(str(path), image)


def build(root, **kwargs):
    kwargs.setdefault('pipeline', [])
    return DATASETS.build(
        dict(type='FusionPairDataset', data_root=str(root), **kwargs))


@pytest.mark.parametrize(
    'vis_dir,ir_dir,vis_suffix,ir_suffix',
    [
        ('vi', 'ir', '.jpg', '.png'),  # RoadScene/TNO copies, mixed suffixes
        ('crop_LR_visible', 'cropinfrared', '.jpg', '.jpg'),  # RoadScene
        ('visible/test', 'infrared/test', '.jpg', '.jpg'),  # LLVIP
        ('Vis', 'Ir', '.png', '.png')
    ])  # M3FD
def test_layouts_pair_by_name(tmp_path, vis_dir, ir_dir, vis_suffix,
                              ir_suffix):
    for name in ('b', 'a', 'c'):
        write(tmp_path / vis_dir / f'{name}{vis_suffix}', channels=3)
        write(tmp_path / ir_dir / f'{name}{ir_suffix}')
    (tmp_path / vis_dir / 'notes.txt').write_text('not an image')
    dataset = build(
        tmp_path, data_prefix=dict(img_path=vis_dir, ir_path=ir_dir))
    assert len(dataset) == 3
    first = dataset.get_data_info(0)
    assert first['img_path'] == str(tmp_path / vis_dir / f'a{vis_suffix}')
    assert first['ir_path'] == str(tmp_path / ir_dir / f'a{ir_suffix}')
    assert 'seg_map_path' not in first
    assert dataset.metainfo.get('classes', ()) == ()


def test_unpaired_images(tmp_path, monkeypatch):
    for name in ('a', 'b'):
        write(tmp_path / 'vi' / f'{name}.png', channels=3)
    write(tmp_path / 'ir' / 'a.png')
    write(tmp_path / 'ir' / 'z.png')
    with pytest.raises(
            ValueError,
            match=r'2 names cannot be paired \(b: no infrared image named b '
            r".*; z: no visible image named z .*unpaired='skip'"):
        build(tmp_path)
    logged = []
    monkeypatch.setattr(
        'segmif_mm.datasets.fusion_pair_dataset.print_log',
        lambda msg, **kwargs: logged.append((msg, kwargs['level'])))
    assert [
        d['img_path'][-5:]
        for d in build(tmp_path, unpaired='skip').load_data_list()
    ] == ['a.png']
    assert logged[0][1] == logging.WARNING
    assert logged[0][0].startswith('FusionPairDataset drops 2 names that '
                                   'cannot be paired (b: no infrared image')


def test_sub_folders_and_suffix_case(tmp_path):
    write(tmp_path / 'vi' / 'day' / 'a.PNG', channels=3)
    write(tmp_path / 'ir' / 'day' / 'a.png')
    write(tmp_path / 'vi' / 'b.jpg', channels=3)
    write(tmp_path / 'ir' / 'b.png')
    pairs = [(d['img_path'], d['ir_path'])
             for d in build(tmp_path).load_data_list()]
    assert pairs == [(str(tmp_path / 'vi' / 'b.jpg'),
                      str(tmp_path / 'ir' / 'b.png')),
                     (str(tmp_path / 'vi' / 'day' / 'a.PNG'),
                      str(tmp_path / 'ir' / 'day' / 'a.png'))]
    (tmp_path / 'split.txt').write_text('day/a\n')
    assert [(d['img_path'], d['ir_path'])
            for d in build(tmp_path, ann_file='split.txt').load_data_list()
            ] == pairs[1:]


def test_bad_folders_and_names(tmp_path):
    with pytest.raises(
            FileNotFoundError,
            match='FusionPairDataset: The visible image folder: .*vi is not a '
            'folder. Check `data_root`'):
        build(tmp_path)
    write(tmp_path / 'vi' / 'a.png', channels=3)
    write(tmp_path / 'vi' / 'a.jpg', channels=3)
    write(tmp_path / 'ir' / 'a.png')
    with pytest.raises(ValueError, match='holds 2 images named a'):
        build(tmp_path)
    # a suffix chooses between them
    assert len(build(tmp_path, img_suffix='.png')) == 1
    with pytest.raises(ValueError, match='visible and infrared'):
        build(tmp_path, data_prefix=dict(img_path='vi'))


def test_split_file_and_indices(tmp_path):
    for name in ('a', 'b', 'c'):
        write(tmp_path / 'vi' / f'{name}.png', channels=3)
        write(tmp_path / 'ir' / f'{name}.png')
    (tmp_path / 'split.txt').write_text('c\na\n')
    dataset = build(tmp_path, ann_file='split.txt')
    assert [Path(d['img_path']).stem
            for d in dataset.load_data_list()] == ['c', 'a']
    (tmp_path / 'bad.txt').write_text('d\n')
    with pytest.raises(ValueError, match='without a visible/infrared pair'):
        build(tmp_path, ann_file='bad.txt')
    assert len(build(tmp_path, indices=[2])) == 1


def test_roadscene_split_loads(real_data):
    root = real_data / 'roadscene'
    train = build(root, indices=180)
    evaluation = build(root, indices=list(range(180, 221)))
    assert len(train) == 180 and len(evaluation) == 41
    train_names = {Path(d['img_path']).stem for d in train}
    eval_names = {Path(d['img_path']).stem for d in evaluation}
    assert not train_names & eval_names
    assert max(train_names) < min(eval_names)  # split by sorted name
    pipeline = [
        dict(type='LoadMultiModalImages'),
        dict(type='ConcatInfrared'),
        dict(type='RandomCrop', crop_size=(64, 64)),
        dict(type='PackSegInputs', meta_keys=('img_path', 'ir_path'))
    ]
    sample = build(root, indices=2, pipeline=pipeline)[0]
    assert tuple(sample['inputs'].shape) == (4, 64, 64)
    assert 'gt_sem_seg' not in sample['data_samples']
