import re
from pathlib import Path

import pytest
from mmengine.config import Config


def point_train_split(config: Path, root: Path) -> None:
    """Give the tiny config a train split (RepeatDataset) under ``root``."""
    cfg = Config.fromfile(str(config))
    cfg.train_dataloader = dict(
        batch_size=2,
        num_workers=0,
        sampler=dict(type='InfiniteSampler'),
        dataset=dict(
            type='RepeatDataset',
            times=4,
            dataset=dict(
                type='SegMiFDemoDataset',
                data_root=str(root),
                pipeline=cfg.test_pipeline)))
    cfg.test_dataloader.dataset.data_root = str(root)
    cfg.dump(str(config))


def test_broken_split_is_reported_in_full(broken_demo_split, tiny_config,
                                          run_tool, capsys):
    root, expected = broken_demo_split
    point_train_split(tiny_config, root)
    with pytest.raises(SystemExit) as exc:
        run_tool('misc/check_dataset.py', tiny_config, '--num-workers', '2')
    assert exc.value.code == 1
    printed = capsys.readouterr().out
    report = printed[printed.index('7 problem(s)'):].splitlines()
    assert report[0] == '7 problem(s) in 6 of 8 samples of the train split:'
    lines = report[1:]
    assert len(lines) == 7
    patterns = [(name, pattern) for name in sorted(expected)
                for pattern in expected[name]]
    for line, (name, pattern) in zip(lines, patterns):
        assert re.match(rf'  {name}: {pattern}', line), line


def test_clean_split(demo_data_root, tiny_config, run_tool, capsys):
    point_train_split(tiny_config, demo_data_root)
    run_tool('misc/check_dataset.py', tiny_config)
    assert 'All 8 samples of the train split are readable and consistent' \
        in capsys.readouterr().out
    run_tool('misc/check_dataset.py', tiny_config, '--split', 'test')
    assert 'All 4 samples of the test split' in capsys.readouterr().out
    with pytest.raises(KeyError, match='val_dataloader'):
        run_tool('misc/check_dataset.py', tiny_config, '--split', 'val')
