import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from segmif_mm.evaluation.functional import fusion_metrics, rgb_to_gray
from segmif_mm.evaluation.fusion_leaderboard import (baseline_fusions,
                                                     best_method, leaderboard,
                                                     leaderboard_table,
                                                     rank_methods)

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'analysis' / 'fusion_leaderboard.py'


def test_baselines():
    ir = torch.tensor([[0, 255, 10], [3, 4, 200]], dtype=torch.uint8)
    vis = torch.tensor([[1, 254, 20], [4, 4, 0]], dtype=torch.uint8)
    out = baseline_fusions(ir, vis)
    assert list(out) == ['infrared', 'visible', 'average', 'maximum']
    assert out['infrared'].tolist() == ir.tolist()
    assert out['visible'].tolist() == vis.tolist()
    assert out['average'].tolist() == [[1, 255, 15], [4, 4, 100]]
    assert out['maximum'].tolist() == [[1, 255, 20], [4, 4, 200]]


def test_undefined_means_rank_last():
    means = dict(
        a=dict(SCD=float('nan'), MSE=0.02),
        b=dict(SCD=-0.5, MSE=float('nan')),
        c=dict(SCD=1.2, MSE=0.03))
    ranks = rank_methods(means, ['SCD', 'MSE'])
    assert [ranks[m]['SCD'] for m in 'abc'] == [3, 2, 1]
    assert [ranks[m]['MSE'] for m in 'abc'] == [1, 3, 2]
    rows = leaderboard(means, ['SCD', 'MSE'])
    assert best_method(rows, 'SCD') == 'c' and best_method(rows, 'MSE') == 'a'


def test_ranks_higher_better_except_mse_and_ties():
    means = dict(
        a=dict(EN=7.0, MSE=0.02),
        b=dict(EN=6.0, MSE=0.01),
        c=dict(EN=7.0, MSE=0.03))
    ranks = rank_methods(means, ['EN', 'MSE'])
    assert ranks['a']['EN'] == ranks['c']['EN'] == 1 and \
        ranks['b']['EN'] == 3
    assert [ranks[m]['MSE'] for m in 'abc'] == [2, 1, 3]
    rows = leaderboard(means, ['EN', 'MSE'])
    assert [r['method'] for r in rows] == ['a', 'b', 'c']
    assert rows[0]['mean_rank'] == 1.5
    text = leaderboard_table(rows, 3).get_string()
    assert '7 (1)' in text and 'MSE ↓' in text


def test_tool_ranks_folders_and_baselines(tmp_path):
    rng = np.random.default_rng(0)
    folders = {k: tmp_path / k for k in ('ir', 'vi', 'good', 'blank')}
    for folder in folders.values():
        folder.mkdir()
    for i, shape in enumerate([(40, 50), (37, 41)]):
        ir = rng.integers(0, 256, shape, dtype=np.uint8)
        vis = cv2.GaussianBlur(
            rng.integers(0, 256, shape + (3, ), dtype=np.uint8), (5, 5), 1)
        cv2.imwrite(str(folders['ir'] / f'p{i}.png'), ir)
        cv2.imwrite(str(folders['vi'] / f'p{i}.jpg'), vis)
        grey = cv2.cvtColor(vis, cv2.COLOR_BGR2GRAY)
        cv2.imwrite(str(folders['good'] / f'p{i}.png'), np.maximum(ir, grey))
        cv2.imwrite(
            str(folders['blank'] / f'p{i}.png'),
            np.full(shape + (3, ), 128, np.uint8))
    out = tmp_path / 'board'
    result = subprocess.run([
        sys.executable,
        str(TOOL), '--ir',
        str(folders['ir']), '--vis',
        str(folders['vi']), f'good={folders["good"]}',
        f'blank={folders["blank"]}', '--out-dir',
        str(out), '--metrics', 'EN', 'SD', 'SF', 'SCD', 'MSE'
    ],
                            cwd=REPO,
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / 'leaderboard.json').read_text())
    rows = {r['method']: r for r in report['leaderboard']}
    assert set(rows) == {
        'good', 'blank', 'infrared', 'visible', 'average', 'maximum'
    }
    assert report['num_images'] == 2
    assert rows['blank']['rank']['SD'] == 6  # a flat image has SD 0
    # either source alone: F - A (or F - B) is zero, its SCD undefined
    assert np.isnan(rows['infrared']['mean']['SCD'])
    # behind the four defined values, tied with the visible image
    assert rows['infrared']['rank']['SCD'] == rows['visible']['rank'][
        'SCD'] == 5
    assert rows['infrared']['mean']['SD'] == pytest.approx(
        np.mean([
            float(cv2.imread(str(folders['ir'] / f'p{i}.png'), 0).std())
            for i in range(2)
        ]))
    assert rows['blank']['mean']['SD'] == 0
    # 'good' holds max(A, B'), close to but not the maximum baseline (the
    # tool's grey conversion is MATLAB's rgb2gray, OpenCV's differs)
    assert rows['good']['mean']['EN'] == pytest.approx(
        rows['maximum']['mean']['EN'], abs=0.05)
    ir = torch.from_numpy(cv2.imread(str(folders['ir'] / 'p0.png'), 0))
    rgb = cv2.imread(str(folders['vi'] / 'p0.jpg'))[..., ::-1]
    vis = rgb_to_gray(torch.from_numpy(rgb.copy()).permute(2, 0, 1))
    average = baseline_fusions(ir, vis)['average']
    assert report['per_image']['average']['SCD'][0] == pytest.approx(
        float(fusion_metrics(average, ir, vis)['SCD']), abs=1e-9)
    assert (out / 'leaderboard.png').stat().st_size > 1000
    assert 'Mean rank' in (out / 'leaderboard.txt').read_text()


def test_tool_rejects_missing_fused_image(tmp_path):
    for k in ('ir', 'vi', 'm'):
        (tmp_path / k).mkdir()
    for name in ('a', 'b'):
        cv2.imwrite(
            str(tmp_path / 'ir' / f'{name}.png'), np.zeros((20, 20), np.uint8))
        cv2.imwrite(
            str(tmp_path / 'vi' / f'{name}.png'),
            np.zeros((20, 20, 3), np.uint8))
    cv2.imwrite(str(tmp_path / 'm' / 'a.png'), np.zeros((20, 20), np.uint8))
    result = subprocess.run([
        sys.executable,
        str(TOOL), '--ir',
        str(tmp_path / 'ir'), '--vis',
        str(tmp_path / 'vi'), f'm={tmp_path / "m"}', '--out-dir',
        str(tmp_path / 'out')
    ],
                            cwd=REPO,
                            capture_output=True,
                            text=True)
    assert result.returncode != 0
    assert f"no m image named b in {tmp_path / 'm'}" in result.stderr
