import json
import math
from pathlib import Path

import cv2
import pytest
from mmengine.config import Config

from tools.analysis.analyze_logs import (find_scalar_files, is_learning_rate,
                                         phase_spans, plot_curves,
                                         read_scalars, values)


def write_rows(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(row) + '\n' for row in rows))
    return path


def test_real_run_gives_losses_task_weights_lrs_and_phases(
        tiny_run, run_tool, tmp_path):
    files = find_scalar_files([str(tiny_run)])
    assert len(files) == 1 and files[0].endswith('vis_data/scalars.json')
    train, val = read_scalars(files)
    assert [row['step'] for row in train] == list(range(1, 11))
    # the tiny run logs metrics by epoch (step 0): placed at the iteration
    # that ended each round
    assert [row['step'] for row in val] == [5, 10]
    spans = phase_spans(
        Config.fromfile(str(Path(files[0]).parent / 'config.py')))
    assert [(s.round, s.phase, s.begin, s.end)
            for s in spans] == [(0, 'fusion', 0, 2), (0, 'seg', 2, 5),
                                (1, 'fusion', 5, 7), (1, 'seg', 7, 10)]
    fig = plot_curves(train, val, spans)
    labels = {
        ax.get_ylabel(): [
            line.get_label() for line in ax.get_lines()
            if not line.get_label().startswith('_')  # round lines
        ]
        for ax in fig.axes
    }
    assert {
        'loss', 'fusion.loss_ssim', 'decode.loss_ce', 'task_fusion', 'task_seg'
    } <= set(labels['loss'])
    assert labels['task weight λ'] == ['lambda_fusion', 'lambda_seg']
    assert labels['learning rate'] == ['fusion.lr', 'seg.lr']
    assert {'all/mIoU', 'no_background/mIoU', 'EN', 'SD', 'SF',
            'SCD'} <= set(labels)
    # every panel shades the four phases
    assert all(len(ax.patches) == 4 for ax in fig.axes)
    # fusion terms exist only in fusion phases: the repeats mmengine logs
    # for them in seg phases are left out
    loss_axis = next(ax for ax in fig.axes if ax.get_ylabel() == 'loss')
    ssim = next(line for line in loss_axis.get_lines()
                if line.get_label() == 'fusion.loss_ssim')
    in_seg = [
        y for x, y in zip(*ssim.get_data())
        if any(s.begin < x <= s.end for s in spans if s.phase == 'seg')
    ]
    assert in_seg and all(math.isnan(y) for y in in_seg)

    out = tmp_path / 'curves.png'
    run_tool('analysis/analyze_logs.py', tiny_run, '--out', out)
    image = cv2.imread(str(out))
    assert image is not None and image.shape[0] > image.shape[1]


def test_fusion_only_run_and_resumed_logs(tmp_path):
    config = tmp_path / 'fusion_only.py'
    Config(
        dict(
            train_cfg=dict(
                type='AlternatingTrainLoop',
                num_rounds=1,
                phases=[dict(phase='fusion_only', iters=30)]))).dump(
                    str(config))
    first = write_rows(tmp_path / 'run1' / 'vis_data' / 'scalars.json',
                       [dict(step=s, loss=1.0 / s, lr=1e-3) for s in (10, 20)])
    # resumed from iteration 10: its row for 20 replaces the first run's
    second = write_rows(tmp_path / 'run2' / 'vis_data' / 'scalars.json', [
        dict(step=20, loss=0.25, lr=5e-4),
        dict(step=30, loss=0.2, lr=1e-4),
        dict(step=30, EN=7.1, SD=40.0, SF=12.0, SCD=1.3, SSIM=1.4),
    ])
    assert find_scalar_files([str(tmp_path)]) == [str(first), str(second)]
    train, val = read_scalars([str(first), str(second)])
    assert [(r['step'], r['loss']) for r in train] == [(10, 0.1), (20, 0.25),
                                                       (30, 0.2)]
    assert [r['step'] for r in val] == [30]
    spans = phase_spans(Config.fromfile(str(config)))
    fig = plot_curves(train, val, spans)
    assert [ax.get_ylabel() for ax in fig.axes
            ] == ['loss', 'learning rate', 'EN', 'SD', 'SF', 'SCD']
    fig = plot_curves(train, val, spans, metrics=['SSIM'])
    assert [ax.get_ylabel() for ax in fig.axes][-1] == 'SSIM'
    with pytest.raises(ValueError, match=r"Never logged: \['VIF'\]"):
        plot_curves(train, val, spans, metrics=['VIF'])


def test_learning_rate_keys():
    assert [
        is_learning_rate(k)
        for k in ('lr', 'fusion.lr', 'seg.base_lr', 'decode.loss_ce')
    ] == [True, True, False, False]


def test_values_drop_only_exact_repeats():
    rows = [dict(a=1.0), dict(a=1.0), dict(b=2.0), dict(a=0.5)]
    assert values(rows, 'a')[:2] == [1.0, 1.0]
    found = values(rows, 'a', drop_repeats=True)
    assert found[0] == 1.0 and math.isnan(found[1]) and math.isnan(found[2])
    assert found[3] == 0.5


def test_missing_logs_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='No scalars.json in'):
        find_scalar_files([str(tmp_path)])
    bad = write_rows(tmp_path / 'scalars.json', [dict(step=1, loss=1.0)])
    bad.write_text(bad.read_text() + '{not json\n')
    with pytest.raises(ValueError, match='line 2: not JSON'):
        read_scalars([str(bad)])
