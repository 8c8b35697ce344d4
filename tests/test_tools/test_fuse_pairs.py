"""tools/fuse.py --ir/--vis: one pair or two folders, any size and depth."""
import cv2
import numpy as np
import pytest

from segmif_mm.apis import fuse_pair, init_fusion_model
from segmif_mm.deploy import convert_for_cpu_inference


def write_pairs(root, shapes):
    rng = np.random.default_rng(0)
    (root / 'ir').mkdir(parents=True)
    (root / 'vi').mkdir()
    for name, shape in shapes.items():
        # 16-bit infrared, grey visible for odd names, colour otherwise
        cv2.imwrite(
            str(root / 'ir' / f'{name}.png'),
            rng.integers(0, 65536, shape, dtype=np.uint16))
        vis_shape = shape if name.endswith('g') else shape + (3, )
        cv2.imwrite(
            str(root / 'vi' / f'{name}.jpg'),
            rng.integers(0, 256, vis_shape, dtype=np.uint8))


def test_fuse_folders_matched_by_name(tmp_path, tiny_config, tiny_checkpoint,
                                      run_tool, capsys):
    shapes = {'a_g': (33, 47), 'b': (40, 41)}
    write_pairs(tmp_path, shapes)
    out = tmp_path / 'fused'
    run_tool('fuse.py', tiny_config, tiny_checkpoint, '--ir', tmp_path / 'ir',
             '--vis', tmp_path / 'vi', '--out-dir', out)
    assert '2 pairs done' in capsys.readouterr().out
    model = convert_for_cpu_inference(
        init_fusion_model(
            str(tiny_config), str(tiny_checkpoint), trust_checkpoint=True))
    for name, shape in shapes.items():
        written = cv2.imread(str(out / f'{name}.png'), cv2.IMREAD_UNCHANGED)
        assert written.shape == shape + (3, ) and written.dtype == np.uint8
        expected = fuse_pair(model, str(tmp_path / 'ir' / f'{name}.png'),
                             str(tmp_path / 'vi' / f'{name}.jpg'))
        np.testing.assert_array_equal(written[..., ::-1], expected)
    grey = cv2.imread(str(out / 'a_g.png'))
    assert np.array_equal(grey[..., 0], grey[..., 2])


def test_fuse_one_pair_and_bad_arguments(tmp_path, tiny_config,
                                         tiny_checkpoint, run_tool):
    write_pairs(tmp_path, {'p': (29, 31)})
    out = tmp_path / 'fused'
    run_tool('fuse.py', tiny_config, tiny_checkpoint, '--ir',
             tmp_path / 'ir' / 'p.png', '--vis', tmp_path / 'vi' / 'p.jpg',
             '--out-dir', out)
    assert cv2.imread(str(out / 'p.png')).shape == (29, 31, 3)
    with pytest.raises(SystemExit) as error:  # --ir without --vis
        run_tool('fuse.py', '--ir', tmp_path / 'ir', '--out-dir', out)
    assert error.value.code == 2
    with pytest.raises(SystemExit) as error:  # config without checkpoint
        run_tool('fuse.py', tiny_config, '--ir', tmp_path / 'ir', '--vis',
                 tmp_path / 'vi', '--out-dir', out)
    assert error.value.code == 2
    (tmp_path / 'vi' / 'extra.jpg').write_bytes(
        (tmp_path / 'vi' / 'p.jpg').read_bytes())
    with pytest.raises(SystemExit) as error:  # unpaired: reported, not fused
        run_tool('fuse.py', tiny_config, tiny_checkpoint, '--ir',
                 tmp_path / 'ir', '--vis', tmp_path / 'vi', '--out-dir', out)
    assert error.value.code == 1
    assert not (out / 'extra.png').exists()
