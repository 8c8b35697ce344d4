import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from segmif_mm.apis import init_model


def test_export_is_dynamic_and_matches_pytorch(tmp_path, tiny_config,
                                               tiny_checkpoint, run_tool,
                                               capsys):
    out = tmp_path / 'onnx' / 'segmif_tiny.onnx'
    run_tool('deploy/export_onnx.py', tiny_config, tiny_checkpoint, '--out',
             out, '--shape', 40, 48, '--check-shape', 37, 33)
    printed = capsys.readouterr().out
    assert 'parity 1x40x48' in printed and 'parity 2x37x33' in printed

    session = ort.InferenceSession(
        str(out), providers=['CPUExecutionProvider'])
    assert [i.name for i in session.get_inputs()] == ['ir', 'vis']
    assert [o.name for o in session.get_outputs()] == ['fused', 'seg_logits']
    model = init_model(str(tiny_config), str(tiny_checkpoint))
    rng = np.random.default_rng(0)
    # two sizes that differ from the export size and from each other
    for batch, (height, width) in ((1, (45, 61)), (3, (32, 35))):
        ir = rng.uniform(0, 1, (batch, 1, height, width)).astype(np.float32)
        vis = rng.uniform(0, 1, (batch, 3, height, width)).astype(np.float32)
        fused, seg_logits = session.run(None, dict(ir=ir, vis=vis))
        inputs = torch.from_numpy(np.concatenate([vis, ir], axis=1))
        with torch.no_grad():
            ref_fused, ref_logits = model(inputs, mode='tensor')
        assert fused.shape == (batch, 3, height, width)
        assert seg_logits.shape == (batch, 4, height, width)
        np.testing.assert_allclose(fused, ref_fused.numpy(), atol=1e-4, rtol=0)
        np.testing.assert_allclose(
            seg_logits, ref_logits.numpy(), atol=1e-4, rtol=0)


def test_tolerance_violation_is_an_error(tmp_path, tiny_config, run_tool):
    with pytest.raises(RuntimeError, match='tolerance'):
        run_tool('deploy/export_onnx.py', tiny_config, '--out',
                 tmp_path / 'm.onnx', '--shape', 33, 33, '--tolerance', 0)


@pytest.mark.parametrize('sizes,match', [
    (['--shape', 32, 48], 'larger than the backbone minimum input size 32'),
    (['--shape', 40, 48, '--check-shape', 31, 40], 'at least 32'),
])
def test_untraceable_sizes_are_errors(sizes, match, tmp_path, tiny_config,
                                      run_tool):
    with pytest.raises(ValueError, match=match):
        run_tool('deploy/export_onnx.py', tiny_config, '--out',
                 tmp_path / 'm.onnx', *sizes)
    assert not (tmp_path / 'm.onnx').exists()


def test_sizes_off_the_size_divisor_are_errors(tmp_path, run_tool):
    # ConvNeXt pads images to multiples of 32 before the backbone.
    config = Path(__file__).parents[1] / 'configs' / 'segmif_convnext_tiny.py'
    with pytest.raises(ValueError, match='multiples of 32'):
        run_tool('deploy/export_onnx.py', config, '--out', tmp_path / 'm.onnx',
                 '--shape', 40, 48)
    assert not (tmp_path / 'm.onnx').exists()


def test_missing_packages_are_explained(tmp_path, tiny_config, run_tool,
                                        monkeypatch, capsys):
    out = tmp_path / 'm.onnx'
    monkeypatch.setitem(sys.modules, 'onnxruntime', None)
    run_tool('deploy/export_onnx.py', tiny_config, '--out', out, '--shape', 40,
             40)
    assert out.is_file()
    assert 'onnxruntime is not installed' in capsys.readouterr().out
    monkeypatch.setitem(sys.modules, 'onnx', None)
    with pytest.raises(ImportError, match='pip install onnx'):
        run_tool('deploy/export_onnx.py', tiny_config, '--out', out)
