"""demo/image_demo.py: a pair to a labelled panel."""
import cv2
import numpy as np

from segmif_mm.apis import SegMiFInferencer


def test_tiny_model_panel(tmp_path, tiny_config, tiny_checkpoint, run_script,
                          capsys):
    rng = np.random.default_rng(0)
    ir, vis = tmp_path / 'ir.png', tmp_path / 'vis.png'
    cv2.imwrite(str(ir), rng.integers(0, 256, (40, 56), dtype=np.uint8))
    cv2.imwrite(str(vis), rng.integers(0, 256, (40, 56, 3), dtype=np.uint8))
    out = tmp_path / 'panel.png'
    run_script('demo/image_demo.py', ir, vis, '--model', tiny_config,
               '--weights', tiny_checkpoint, '--out-file', out)
    assert f'Panel written to {out}' in capsys.readouterr().out
    panel = cv2.imread(str(out))[..., ::-1]
    expected = SegMiFInferencer(
        str(tiny_config), str(tiny_checkpoint), 'cpu', show_progress=False)(
            dict(ir=str(ir), vis=str(vis)), return_vis=True)['visualization']
    np.testing.assert_array_equal(panel, expected)
    # visible | infrared | fused | segmentation, under the title strip
    assert panel.shape[1] == 4 * 56 and panel.shape[0] > 40


def test_shipped_model_on_a_real_pair(tmp_path, real_data, run_script):
    """Without --model the shipped fusion model draws visible | infrared |
    fused (it has no trained segmentation branch)."""
    root = real_data / 'roadscene'
    name = sorted(p.name for p in (root / 'vi').iterdir())[1]
    ir, vis = tmp_path / 'ir.png', tmp_path / 'vis.png'
    cv2.imwrite(str(vis), cv2.imread(str(root / 'vi' / name))[:80, :96])
    cv2.imwrite(
        str(ir),
        cv2.imread(str(root / 'ir' / name), cv2.IMREAD_GRAYSCALE)[:80, :96])
    out = tmp_path / 'panel.png'
    run_script('demo/image_demo.py', ir, vis, '--out-file', out)
    panel = cv2.imread(str(out))
    assert panel.shape[1] == 3 * 96 and panel.shape[0] > 80
    visible = panel[-80:, :96]
    np.testing.assert_array_equal(visible, cv2.imread(str(vis)))
