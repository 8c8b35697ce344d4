"""tools/eval_fusion.py on tiny image folders."""
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from segmif_mm.evaluation.functional import (FUSION_METRICS, fusion_metrics,
                                             rgb_to_gray)

REPO = Path(__file__).parents[2]
TOOL = REPO / 'tools' / 'eval_fusion.py'
spec = importlib.util.spec_from_file_location('eval_fusion', TOOL)
eval_fusion = importlib.util.module_from_spec(spec)
spec.loader.exec_module(eval_fusion)


@pytest.fixture
def folders(tmp_path):
    """ir/vis/fused folders with two triplets (mixed suffixes)."""
    rng = np.random.default_rng(0)
    expected = {}
    for name, suffix in (('frame1', '.png'), ('frame2', '.bmp')):
        ir = rng.integers(0, 256, (20, 24), dtype=np.uint8)
        vis = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
        fused = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
        for folder, image in (('ir', ir), ('vis', vis[..., ::-1]),
                              ('fused', fused[..., ::-1])):
            (tmp_path / folder).mkdir(exist_ok=True)
            cv2.imwrite(str(tmp_path / folder / f'{name}{suffix}'), image)
        expected[f'{name}{suffix}'] = fusion_metrics(
            rgb_to_gray(torch.from_numpy(fused).permute(2, 0, 1)),
            torch.from_numpy(ir),
            rgb_to_gray(torch.from_numpy(vis).permute(2, 0, 1)))
    return tmp_path, expected


def test_per_image_values_and_means(folders, capsys):
    root, expected = folders
    out = root / 'report' / 'metrics.json'
    eval_fusion.main([
        '--ir',
        str(root / 'ir'), '--vis',
        str(root / 'vis'), '--fused',
        str(root / 'fused'), '--out',
        str(out)
    ])
    printed = capsys.readouterr().out
    assert 'Fusion quality, mean of 2 images' in printed
    report = json.loads(out.read_text())
    assert report['num_images'] == 2 and report['mi_joint_quirk']
    assert set(report['per_image']) == set(expected)
    for file_name, values in expected.items():
        assert report['per_image'][file_name] == pytest.approx(
            values, abs=1e-9)
    for name in FUSION_METRICS:
        mean = np.mean([values[name] for values in expected.values()])
        assert report['mean'][name] == pytest.approx(mean, abs=1e-9)
        assert name in printed


def test_bad_triplets_are_reported_and_skipped(folders, capsys):
    """Unmatched names, an empty file and a size mismatch fail with their
    reasons; the good triplet is still evaluated, the JSON written, and the
    exit status is 1."""
    root, expected = folders
    cv2.imwrite(str(root / 'ir' / 'extra.png'), np.zeros((20, 24), np.uint8))
    for folder in ('ir', 'vis'):
        cv2.imwrite(
            str(root / folder / 'small.png'), np.zeros((10, 24), np.uint8))
    cv2.imwrite(
        str(root / 'fused' / 'small.png'), np.zeros((20, 24), np.uint8))
    (root / 'fused' / 'frame2.bmp').write_bytes(b'')
    out = root / 'metrics.json'
    with pytest.raises(SystemExit) as exit_info:
        eval_fusion.main([
            '--ir',
            str(root / 'ir'), '--vis',
            str(root / 'vis'), '--fused',
            str(root / 'fused'), '--out',
            str(out), '--workers', '0'
        ])
    assert exit_info.value.code == 1
    report = json.loads(out.read_text())
    assert list(report['per_image']) == ['frame1.png']
    assert report['per_image']['frame1.png'] == pytest.approx(
        expected['frame1.png'], abs=1e-9)
    failed = report['report']['failed']
    assert set(failed) == {'extra', 'frame2', 'small'}
    assert 'vis' in failed['extra'] and 'fused' in failed['extra']
    assert 'empty' in failed['frame2'].lower()
    assert '10x24' in failed['small'] and 'original size' in failed['small']
    printed = capsys.readouterr().out
    assert '1 triplets done, 0 skipped, 3 failed' in printed


@pytest.mark.parametrize('batch_size,workers', [(1, 0), (3, 2)])
def test_batches_and_workers_give_the_same_values(batch_size, workers,
                                                  tmp_path):
    """Same-size triplets batched (and a different size between them),
    decoded in worker processes: values equal the one-by-one ones."""
    rng = np.random.default_rng(1)
    expected = {}
    for i, size in enumerate([(20, 24)] * 4 + [(18, 30)] + [(20, 24)] * 2):
        ir = rng.integers(0, 256, size, dtype=np.uint8)
        vis = rng.integers(0, 256, size, dtype=np.uint8)
        fused = rng.integers(0, 256, size, dtype=np.uint8)
        for folder, image in (('ir', ir), ('vis', vis), ('fused', fused)):
            (tmp_path / folder).mkdir(exist_ok=True)
            cv2.imwrite(str(tmp_path / folder / f'f{i}.png'), image)
        expected[f'f{i}.png'] = fusion_metrics(
            torch.from_numpy(fused), torch.from_numpy(ir),
            torch.from_numpy(vis))
    result = eval_fusion.main([
        '--ir',
        str(tmp_path / 'ir'), '--vis',
        str(tmp_path / 'vis'), '--fused',
        str(tmp_path / 'fused'), '--batch-size',
        str(batch_size), '--workers',
        str(workers)
    ])
    assert set(result['per_image']) == set(expected)
    for name, values in expected.items():
        assert result['per_image'][name] == pytest.approx(values, abs=1e-9)


@pytest.mark.parametrize('batch_size,batch_pixels,sizes', [
    (8, 3 * 20 * 24, [3, 3, 1]),
    (2, 10**6, [2, 2, 2, 1]),
    (8, 1, [1] * 7),
])
def test_same_size_batches_respect_count_and_pixels(batch_size, batch_pixels,
                                                    sizes):
    """Batches close at a new size, at --batch-size triplets and before
    --batch-pixels would be passed; one triplet larger than the budget
    still goes, alone."""
    small = (np.zeros((20, 24), np.uint8), ) * 3
    loaded = [(f'f{i}', small, None) for i in range(6)]
    loaded.insert(3, ('bad', None, 'unreadable'))
    loaded.append(('f6', (np.zeros((18, 30), np.uint8), ) * 3, None))
    report = eval_fusion.BatchReport('triplets', echo=False)
    progress = eval_fusion.ProgressBar(len(loaded), file=io.StringIO())
    batches = list(
        eval_fusion.same_size_batches(
            iter(loaded), batch_size, batch_pixels, report, progress))
    assert [len(names) for names, _ in batches] == sizes
    assert [n for names, _ in batches for n in names
            ] == [name for name, _, reason in loaded if reason is None]
    assert report.as_dict()['failed'] == {'bad': 'unreadable'}


def test_command_line(folders):
    root, _ = folders
    result = subprocess.run([
        sys.executable,
        str(TOOL), '--ir',
        str(root / 'ir'), '--vis',
        str(root / 'vis'), '--fused',
        str(root / 'fused'), '--mi-exact', '--device', 'cpu'
    ],
                            cwd=REPO,
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert 'PSNR_textbook' in result.stdout
