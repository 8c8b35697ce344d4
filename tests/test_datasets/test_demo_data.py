import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from segmif_mm.datasets import SegMiFDemoDataset
from tools.misc.make_demo_data import generate_demo_dataset

REPO = Path(__file__).parents[2]


def tree_bytes(root: Path) -> dict:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob('*.png'))
    }


def test_deterministic_and_idempotent(tmp_path):
    kwargs = dict(num_train=4, num_test=2, size=(96, 112), seed=3)
    names = generate_demo_dataset(str(tmp_path / 'a'), **kwargs)
    generate_demo_dataset(str(tmp_path / 'b'), **kwargs)
    first = tree_bytes(tmp_path / 'a')
    assert names == dict(
        train=['00000D', '00001N', '00002D', '00003N'],
        test=['00000D', '00001N'])
    assert len(first) == 3 * 6
    assert first == tree_bytes(tmp_path / 'b')

    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / 'a').rglob('*.png')}
    generate_demo_dataset(str(tmp_path / 'a'), **kwargs)
    assert stamps == {
        p: p.stat().st_mtime_ns
        for p in (tmp_path / 'a').rglob('*.png')
    }
    assert first == tree_bytes(tmp_path / 'a')

    generate_demo_dataset(str(tmp_path / 'c'), **dict(kwargs, seed=4))
    assert first != tree_bytes(tmp_path / 'c')


def contrast(image: np.ndarray, mask: np.ndarray,
             background: np.ndarray) -> float:
    """Distance between the mean colours of a mask and its surroundings."""
    ring = cv2.dilate(mask.astype(np.uint8), np.ones((7, 7), np.uint8))
    ring = ring.astype(bool) & ~mask & background
    image = image.astype(np.float64)
    return float(
        np.linalg.norm(
            np.atleast_1d(image[mask].mean(0) - image[ring].mean(0))))


def test_classes_and_complementary_modalities(tmp_path):
    generate_demo_dataset(str(tmp_path), num_train=8, num_test=2)
    dataset = SegMiFDemoDataset(data_root=str(tmp_path))
    assert len(dataset) == 8
    seen = set()
    person = dict(day_vis=[], night_vis=[], night_ir=[])
    sign_ir, sign_vis = [], []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        vis = cv2.imread(info['img_path'], cv2.IMREAD_COLOR)
        ir = cv2.imread(info['ir_path'], cv2.IMREAD_UNCHANGED)
        label = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
        assert vis.shape[:2] == ir.shape == label.shape == (128, 160)
        seen |= set(np.unique(label).tolist())
        night = info['img_path'].endswith('N.png')
        background = label == 0
        if (label == 1).any():
            people = label == 1
            if night:
                person['night_vis'].append(contrast(vis, people, background))
                person['night_ir'].append(contrast(ir, people, background))
            else:
                person['day_vis'].append(contrast(vis, people, background))
        if (label == 3).any():
            signs = label == 3
            sign_ir.append(contrast(ir, signs, background))
            sign_vis.append(contrast(vis, signs, background))
    assert seen == {0, 1, 2, 3}
    assert np.mean(person['night_vis']) < 15
    assert np.mean(person['night_ir']) > 60
    assert np.mean(person['day_vis']) > 20
    assert np.mean(sign_ir) < 15
    assert np.mean(sign_vis) > 40


def test_invalid_arguments(tmp_path):
    with pytest.raises(ValueError, match='at least 64 x 64'):
        generate_demo_dataset(str(tmp_path), size=(32, 160))
    with pytest.raises(ValueError, match='num_train >= 1'):
        generate_demo_dataset(str(tmp_path), num_train=0)


def test_command_line_tool(tmp_path):
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(REPO), os.environ.get('PYTHONPATH')])))
    out = tmp_path / 'demo'
    subprocess.run([
        sys.executable,
        str(REPO / 'tools' / 'misc' / 'make_demo_data.py'),
        str(out), '--num-train', '2', '--num-test', '1', '--size', '64', '80',
        '--seed', '1'
    ],
                   check=True,
                   env=env,
                   cwd=tmp_path)
    expected = tmp_path / 'expected'
    generate_demo_dataset(
        str(expected), num_train=2, num_test=1, size=(64, 80), seed=1)
    assert tree_bytes(out) == tree_bytes(expected)
