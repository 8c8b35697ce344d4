"""tools/eval_fusion.py on tiny image folders."""
import importlib.util
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


def test_unmatched_names_are_listed(folders):
    root, _ = folders
    cv2.imwrite(str(root / 'ir' / 'extra.png'), np.zeros((20, 24), np.uint8))
    (root / 'fused' / 'frame1.png').unlink()
    with pytest.raises(ValueError) as error:
        eval_fusion.main([
            '--ir',
            str(root / 'ir'), '--vis',
            str(root / 'vis'), '--fused',
            str(root / 'fused')
        ])
    message = str(error.value)
    assert 'missing in --vis: extra' in message
    assert 'missing in --fused: extra, frame1' in message


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
