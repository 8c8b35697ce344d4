import shutil
from pathlib import Path

import mmcv
import numpy as np
import pytest
from mmengine.config import Config

from segmif_mm.apis import inference_model, init_model
from segmif_mm.deploy import convert_for_cpu_inference
from segmif_mm.visualization import FusionSegLocalVisualizer
from tools.misc.make_demo_data import generate_demo_dataset

SIZE = (64, 72)


@pytest.fixture
def demo(tmp_path: Path, tiny_config: Path):
    """Tiny demo data, and the tiny config pointed at it with a train split
    wrapped in RepeatDataset with random crops."""
    root = tmp_path / 'data'
    names = generate_demo_dataset(
        str(root), num_train=2, num_test=2, size=SIZE)
    cfg = Config.fromfile(str(tiny_config))
    cfg.test_dataloader.dataset.data_root = str(root)
    train_pipeline = [
        dict(type='LoadMultiModalImages'),
        dict(type='LoadMultiModalAnnotations'),
        dict(type='ConcatInfrared'),
        dict(type='RandomCrop', crop_size=(32, 32)),
        dict(type='PackSegInputs', meta_keys=cfg.meta_keys)
    ]
    cfg.train_dataloader = dict(
        batch_size=2,
        num_workers=0,
        sampler=dict(type='InfiniteSampler'),
        dataset=dict(
            type='RepeatDataset',
            times=3,
            dataset=dict(
                type='SegMiFDemoDataset',
                data_root=str(root),
                pipeline=train_pipeline)))
    cfg.dump(str(tiny_config))
    return root, names


@pytest.mark.parametrize('split', ['test', 'train'])
def test_fuse_split_keeps_names_and_size(split, demo, tmp_path, tiny_config,
                                         tiny_checkpoint, run_tool):
    root, names = demo
    shutil.rmtree(root / split / 'labels')  # labels are not needed
    out = tmp_path / 'fused'
    run_tool('fuse.py', tiny_config, tiny_checkpoint, '--split', split,
             '--out-dir', out)
    assert sorted(p.stem for p in out.iterdir()) == sorted(names[split])
    model = convert_for_cpu_inference(
        init_model(str(tiny_config), str(tiny_checkpoint)))
    for name in names[split]:
        expected = inference_model(model,
                                   str(root / split / 'ir' / f'{name}.png'),
                                   str(root / split / 'vi' / f'{name}.png'))
        # mmcv reads BGR: the file holds RGB, as a stock MMSeg pipeline
        # expects
        written = mmcv.imread(str(out / f'{name}.png'))
        assert written.dtype == np.uint8 and written.shape == SIZE + (3, )
        np.testing.assert_array_equal(
            mmcv.bgr2rgb(written),
            FusionSegLocalVisualizer.fused_to_uint8(expected.pred_fused_img))


def test_missing_split_is_an_error(demo, tmp_path, tiny_config,
                                   tiny_checkpoint, run_tool):
    with pytest.raises(KeyError, match='val_dataloader'):
        run_tool('fuse.py', tiny_config, tiny_checkpoint, '--split', 'val',
                 '--out-dir', tmp_path / 'out')


def test_fuse_split_keeps_going_and_resumes(demo, tmp_path, tiny_config,
                                            tiny_checkpoint, run_tool, capsys):
    root, names = demo
    good, bad = names['test']
    (root / 'test' / 'ir' / f'{bad}.png').write_bytes(b'')
    out = tmp_path / 'fused'
    args = (tiny_config, tiny_checkpoint, '--split', 'test', '--out-dir', out,
            '--num-workers', '1')
    with pytest.raises(SystemExit) as exc:
        run_tool('fuse.py', *args)
    assert exc.value.code == 1
    assert [p.name for p in out.iterdir()] == [f'{good}.png']
    printed = capsys.readouterr().out
    assert '1 images done, 0 skipped, 1 failed' in printed
    assert f'failed: {bad}: EmptyImageFileError: Infrared image ' \
        f'{root / "test" / "ir" / bad}.png is empty (0 bytes)' in printed

    # the bad file is fixed: a resumed run only fuses it
    shutil.copy(root / 'test' / 'ir' / f'{good}.png',
                root / 'test' / 'ir' / f'{bad}.png')
    run_tool('fuse.py', *args, '--skip-existing')
    printed = capsys.readouterr().out
    assert '1 images done, 1 skipped, 0 failed' in printed
    assert f'skipped: {good}: output exists (--skip-existing)' in printed
    assert sorted(p.stem for p in out.iterdir()) == sorted(names['test'])
