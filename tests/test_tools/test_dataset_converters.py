"""The converters on tiny fake releases laid out as the public downloads."""
import importlib
import re
import sys
from pathlib import Path
from typing import Dict, List

import cv2
import numpy as np
import pytest

from segmif_mm.datasets import (FMBDataset, MFNetDataset, MFNetPackedDataset,
                                MSRSDataset, PST900Dataset)

WIDTH, HEIGHT = 40, 32


def image(seed: int, channels: int = 3, dtype=np.uint8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    high = 256 if dtype == np.uint8 else 65536
    shape = (HEIGHT, WIDTH) + ((channels, ) if channels > 1 else ())
    return rng.integers(0, high, shape, dtype=dtype)


def label(seed: int, num_classes: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(
        0, num_classes, (HEIGHT, WIDTH), dtype=np.uint8)


def write(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), array)


def make_release(root: Path, folders: Dict[str, str],
                 splits: Dict[str, List[str]], num_classes: int) -> None:
    """``root/<split>/<folder>/<name>.png`` for each role; the label role
    gets ids, ``ir_raw`` 16-bit images, others 8-bit images."""
    for split, names in splits.items():
        for i, name in enumerate(names):
            for role, folder in folders.items():
                path = root / split / folder / f'{name}.png'
                if role == 'label':
                    write(path, label(i, num_classes))
                elif role == 'ir_raw':
                    write(path, image(i, 1, np.uint16))
                else:
                    write(path, image(i, 1 if role == 'ir' else 3))


def converter(name: str, monkeypatch, small: bool = True):
    """The converter module; ``small``: the release's counts and size set
    to the fake release's (2 train, 1 test samples of 40x32)."""
    module = importlib.import_module(f'tools.dataset_converters.{name}')
    if small:
        counts = dict(train=2, val=1, test=1)
        monkeypatch.setattr(module, 'SIZE', (WIDTH, HEIGHT))
        monkeypatch.setattr(module, 'SPLITS', [
            split._replace(num_samples=counts[split.split])
            for split in module.SPLITS
        ])
    return module


def run(module, monkeypatch, *args) -> int:
    monkeypatch.setattr(sys, 'argv', ['converter', *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        module.main()
    return exit_info.value.code


FMB_FOLDERS = dict(vis='Visible', ir='Infrared', label='Label', color='color')


def test_fmb_clean_release_is_copied(tmp_path, monkeypatch, capsys):
    release = tmp_path / 'FMB_download'
    make_release(release, FMB_FOLDERS, dict(train=['a', 'b'], test=['c']), 15)
    out = tmp_path / 'data' / 'FMB'
    module = converter('fmb', monkeypatch)
    assert run(module, monkeypatch, release, '--out-dir', out,
               '--dry-run') == 0
    assert 'nothing written' in capsys.readouterr().out
    assert not out.exists()
    assert run(module, monkeypatch, release, '--out-dir', out) == 0
    assert '9 files of 3 samples copied' in capsys.readouterr().out
    assert not (out / 'train' / 'color').exists()
    dataset = FMBDataset(data_root=str(out), pipeline=[])
    assert [Path(d['img_path']).name for d in dataset] == ['a.png', 'b.png']
    assert (out / 'train' / 'Label' /
            'a.png').read_bytes() == (release / 'train' / 'Label' /
                                      'a.png').read_bytes()


def test_fmb_problems_are_all_named(tmp_path, monkeypatch, capsys):
    release = tmp_path / 'FMB_download'
    make_release(release, FMB_FOLDERS,
                 dict(train=['a', 'b', 'c', 'd', 'e'], test=['f']), 15)
    (release / 'train' / 'Infrared' / 'b.png').unlink()  # missing partner
    write(release / 'train' / 'Label' / 'c.png',
          np.full((HEIGHT, WIDTH), 17, np.uint8))  # ids outside 0-14
    write(release / 'train' / 'Visible' / 'd.png', image(0)[:-2])  # size
    data = (release / 'train' / 'Visible' / 'e.png').read_bytes()
    (release / 'train' / 'Visible' / 'e.png').write_bytes(data[:len(data) //
                                                               2])
    out = tmp_path / 'out'
    # the real release's counts and size
    module = converter('fmb', monkeypatch, small=False)
    assert run(module, monkeypatch, release, '--out-dir', out) == 1
    report = capsys.readouterr().out
    expected = [
        r'6 samples found, 0 without problems',
        r'train/b: no ir image named b in \S+/train/Infrared',
        r'train: 5 samples, the official release has 1220',
        r'test: 1 samples, the official release has 280',
        r'train/c: ValueError: Label file \S+/c.png contains class ids '
        r'\[17\] outside',
        r'train/d: ValueError: Infrared image \S+/d.png is 32x40 \(HxW\) but '
        r'visible image \S+/d.png is 30x40',
        r'train/d: \S+/Visible/d.png is 40x30 \(WxH\), the release\'s images '
        r'are 800x600',
        r'test/f: \S+/Visible/f.png is 40x32 \(WxH\)',
        r'train/e: TruncatedImageFileError: Visible image \S+/e.png is '
        r'truncated',
        r'Nothing written to \S+: fix the problems above',
    ]
    for pattern in expected:
        assert any(re.search(pattern, line)
                   for line in report.splitlines()), pattern
    # one size line per matched sample (a, c, d, e, f), not one per file
    assert len(re.findall('the release.s images are', report)) == 5
    assert not out.exists()
    # --keep-going writes the samples without problems, still exits 1
    module = converter('fmb', monkeypatch)
    assert run(module, monkeypatch, release, '--out-dir', out,
               '--keep-going') == 1
    assert sorted(p.name
                  for p in (out / 'train' / 'Visible').iterdir()) == ['a.png']


def test_msrs_links(tmp_path, monkeypatch, capsys):
    folders = dict(
        vis='vi',
        ir='ir',
        label='Segmentation_labels',
        extra='Segmentation_visualize')
    release = tmp_path / 'MSRS-main'
    make_release(release, folders,
                 dict(train=['00001D', '00002N'], test=['00003N']), 9)
    out = tmp_path / 'MSRS'
    module = converter('msrs', monkeypatch)
    assert run(module, monkeypatch, release, '--out-dir', out, '--link') == 0
    assert '9 files of 3 samples linked' in capsys.readouterr().out
    linked = out / 'test' / 'vi' / '00003N.png'
    assert linked.is_symlink() and linked.resolve() == (
        release / 'test' / 'vi' / '00003N.png').resolve()
    dataset = MSRSDataset(
        data_root=str(out),
        data_prefix=dict(
            img_path='test/vi',
            ir_path='test/ir',
            seg_map_path='test/Segmentation_labels'),
        pipeline=[])
    assert len(dataset) == 1


@pytest.mark.parametrize('with_raw', [True, False])
def test_pst900_wrapped_archive_and_optional_raw_thermal(
        tmp_path, monkeypatch, with_raw):
    folders = dict(vis='rgb', ir='thermal', label='labels', depth='depth')
    if with_raw:
        folders['ir_raw'] = 'thermal_raw'
    download = tmp_path / 'download'
    make_release(download / 'PST900_RGBT_Dataset', folders,
                 dict(train=['0_a', '1_b'], test=['2_c']), 5)
    out = tmp_path / 'PST900'
    module = converter('pst900', monkeypatch)
    assert run(module, monkeypatch, download, '--out-dir', out) == 0
    assert (out / 'train' / 'thermal_raw').is_dir() == with_raw
    assert not (out / 'train' / 'depth').exists()
    assert len(PST900Dataset(data_root=str(out), pipeline=[])) == 2


def write_mfnet(release: Path, names: Dict[str, List[str]]) -> None:
    for i, name in enumerate(sum(names.values(), [])):
        write(release / 'images' / f'{name}.png', image(i, 4))
        write(release / 'labels' / f'{name}.png', label(i, 9))
        write(release / 'visual' / f'{name}.png', image(i))
    for split, listed in names.items():
        (release / f'{split}.txt').write_text(''.join(f'{n}\n'
                                                      for n in listed))


MFNET_NAMES = dict(train=['00001D', '00002N'], val=['00003D'], test=['00004N'])


def test_mfnet_packed_and_split_layouts(tmp_path, monkeypatch):
    release = tmp_path / 'ir_seg_dataset'
    write_mfnet(release, MFNET_NAMES)
    module = converter('mfnet', monkeypatch)
    packed = tmp_path / 'packed'
    assert run(module, monkeypatch, release, '--out-dir', packed) == 0
    assert (packed / 'val.txt').read_text() == '00003D\n'
    assert not (packed / 'visual').exists()
    dataset = MFNetPackedDataset(
        data_root=str(packed), ann_file=['train.txt', 'val.txt'], pipeline=[])
    assert len(dataset) == 3

    split = tmp_path / 'split'
    assert run(module, monkeypatch, release, '--out-dir', split, '--layout',
               'split') == 0
    train = MFNetDataset(data_root=str(split), pipeline=[])
    assert len(train) == 3  # train.txt + val.txt
    frame = cv2.imread(
        str(release / 'images' / '00003D.png'), cv2.IMREAD_UNCHANGED)
    visible = cv2.imread(str(split / 'train' / 'visible' / '00003D.png'))
    infrared = cv2.imread(
        str(split / 'train' / 'infrared' / '00003D.png'), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(visible, frame[..., :3])  # B, G, R as stored
    assert np.array_equal(infrared, frame[..., 3])
    assert (split / 'test' / 'labels' / '00004N.png').is_file()
    with pytest.raises(ValueError, match='cannot --link'):
        run(module, monkeypatch, release, '--out-dir', tmp_path / 'x',
            '--layout', 'split', '--link')


def test_mfnet_split_files_are_checked(tmp_path, monkeypatch, capsys):
    release = tmp_path / 'ir_seg_dataset'
    write_mfnet(release, MFNET_NAMES)
    (release / 'test.txt').write_text('00004N\n00009N\n')
    (release / 'labels' / '00002N.png').unlink()
    (release / 'val.txt').unlink()
    module = converter('mfnet', monkeypatch)
    assert run(module, monkeypatch, release, '--dry-run') == 1
    report = capsys.readouterr().out
    assert 'train/00002N: no label image named 00002N' in report
    assert 'test/00009N: listed in' in report and 'no image of' in report
    assert 'test: 2 samples, the official release has 1' in report
    assert 'val: split file' in report and 'val.txt is missing' in report


def test_missing_and_empty_folders_are_named(tmp_path, monkeypatch, capsys):
    release = tmp_path / 'MSRS'
    make_release(release, dict(vis='vi', ir='ir'), dict(train=['a']), 9)
    (release / 'train' / 'Segmentation_labels').mkdir()
    (release / 'test' / 'vi').mkdir(parents=True)
    module = converter('msrs', monkeypatch)
    assert run(module, monkeypatch, release, '--dry-run') == 1
    report = capsys.readouterr().out
    assert re.search(r'train: \S+/Segmentation_labels holds no images', report)
    assert re.search(r'test: folder \S+/test/ir is missing', report)
    assert re.search(r'test: folder \S+/test/Segmentation_labels is missing',
                     report)


def test_not_a_release_is_named(tmp_path, monkeypatch):
    (tmp_path / 'empty').mkdir()
    module = converter('fmb', monkeypatch)
    with pytest.raises(FileNotFoundError, match='not an unpacked release'):
        run(module, monkeypatch, tmp_path / 'empty')
