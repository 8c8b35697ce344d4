"""tools/analysis/fusion_flicker.py: re-aligned flicker of a simulated
pan."""
import json

import cv2
import numpy as np
import pytest

from tools.analysis.fusion_flicker import pan_frames, realigned_changes


def test_a_still_image_panned_does_not_flicker_and_offsets_are_measured():
    image = np.random.default_rng(0).integers(0, 256, (20, 40), np.uint8)
    frames = pan_frames(image, crop=16, shift=3, frames=5)
    assert [f.shape for f in frames] == [(16, 16)] * 5
    np.testing.assert_array_equal(frames[1][:, :-3], frames[0][:, 3:])
    changes = realigned_changes(frames, shift=3)
    assert changes.shape == (4 * 16 * 13, ) and not changes.any()
    # a brightness step of 5 between consecutive frames is a change of 5
    stepped = [f.astype(np.int64) + 5 * t for t, f in enumerate(frames)]
    np.testing.assert_array_equal(realigned_changes(stepped, 3), 5)
    # the wrong offset is not a still image
    assert realigned_changes(frames, shift=2).mean() > 10
    with pytest.raises(ValueError, match='the pan needs at least 16x28'):
        pan_frames(image[:, :27], crop=16, shift=3, frames=5)


def test_tool_on_two_pairs(tmp_path, tiny_config, tiny_checkpoint, run_tool,
                           capsys):
    rng = np.random.default_rng(0)
    for folder in ('ir', 'vi'):
        (tmp_path / folder).mkdir()
    for name, width in (('a', 50), ('b', 60), ('small', 30)):
        cv2.imwrite(
            str(tmp_path / 'ir' / f'{name}.png'),
            rng.integers(0, 256, (40, width), np.uint8))
        cv2.imwrite(
            str(tmp_path / 'vi' / f'{name}.png'),
            rng.integers(0, 256, (40, width, 3), np.uint8))
    out = tmp_path / 'flicker.json'
    args = (tmp_path, '--model', tiny_config, '--weights', tiny_checkpoint,
            '--frames', '4', '--shift', '2', '--crop', '32', '--num-pairs',
            '2', '--out', out)
    run_tool('analysis/fusion_flicker.py', *args)
    report = json.loads(out.read_text())
    assert sorted(report['pairs']) == ['a', 'b']  # 'small' cannot pan
    for source in ('visible', 'infrared'):
        assert report['all'][source] == dict(mean=0.0, p99=0.0)
    # random weights, random images: the fused video flickers
    assert report['all']['fused']['mean'] > 0
    assert 'Re-aligned flicker' in capsys.readouterr().out
    run_tool('analysis/fusion_flicker.py', *args, '--noise', '3')
    noisy = json.loads(out.read_text())['all']
    # |N(0, 3) - N(0, 3)| has mean 2 * 3 / sqrt(pi) = 3.39 (before rounding
    # and clipping)
    assert 2.9 < noisy['infrared']['mean'] < 3.9
