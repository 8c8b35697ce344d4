import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

REPO = Path(__file__).parents[2]
TINY = REPO / 'tests' / 'configs' / 'segmif_tiny.py'
TOOL = REPO / 'tools' / 'analysis' / 'bf16_error.py'
spec = importlib.util.spec_from_file_location('bf16_error', TOOL)
bf16_error = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bf16_error)


def test_differences_in_grey_levels():
    """8-bit differences of the quantised images and float ones x 255."""
    fp32 = torch.tensor([[0.0, 0.5, 1.0, 100.4 / 255]])
    other = torch.tensor([[1 / 255, 0.5, 0.99, 100.6 / 255]])
    diffs = bf16_error.difference_stats(fp32, other.bfloat16())
    assert diffs['uint8'].tolist() == [1, 0, 3, 1]
    bf16 = other.bfloat16().double()
    np.testing.assert_allclose(diffs['float'],
                               ((bf16 - fp32.double()).abs() * 255)[0])
    stats = bf16_error.summarise([np.zeros(999), np.full(1, 4.0)])
    assert stats['mean'] == pytest.approx(4e-3)
    assert stats['max'] == 4.0
    assert 0 < stats['p999'] < 4.0


def test_label_agreement():
    logits = torch.zeros(1, 3, 2, 2)
    logits[0, 1] = 1  # label 1 everywhere
    other = logits.clone()
    other[0, 2, 0, 0] = 2  # one pixel flips to label 2
    assert bf16_error.label_agreement(logits, other.bfloat16()) == (3, 4)


def test_evenly_spaced():
    assert bf16_error.evenly_spaced(list('abcdefg'), 3) == ['a', 'd', 'g']
    assert bf16_error.evenly_spaced(list('ab'), 3) == ['a', 'b']


@pytest.mark.skipif(
    not torch.ops.mkldnn._is_mkldnn_bf16_supported(),
    reason='bf16 autocast needs oneDNN bf16 kernels')
def test_tool_on_tiny_models(tmp_path, capsys):
    """The tool's table and JSON on two small pairs, tiny random models."""
    rng = np.random.default_rng(0)
    for name, shape in (('a', (24, 32)), ('b', (20, 28))):
        for folder, image in (('ir', rng.integers(0, 256, shape)),
                              ('vi', rng.integers(0, 256, (*shape, 3)))):
            (tmp_path / 'set' / folder).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(
                str(tmp_path / 'set' / folder / f'{name}.png'),
                image.astype(np.uint8))
    out = tmp_path / 'bf16.json'
    report = bf16_error.main([
        '--set', f'tiny={tmp_path / "set"}', '--limit', '5', '--fusion-config',
        str(TINY), '--seg-config',
        str(TINY), '--threads', '1', '--json',
        str(out)
    ])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    result = report['sets']['tiny']
    assert result['pairs'] == ['a', 'b']
    for kind in ('fused_uint8', 'fused_float'):
        stats = result[kind]
        assert 0 <= stats['mean'] <= stats['p999'] <= stats['max'] < 255
    assert 0 <= result['label_agreement'] <= 1
    assert report['worst_p999_grey'] == result['fused_uint8']['p999']
    assert report['seg_weights'] == 'random, seed 0'
    assert '| tiny | 2 |' in capsys.readouterr().out
