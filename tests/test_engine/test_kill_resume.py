"""SIGKILL the training at random points (mid-phase, right after a phase
switch, while a checkpoint is written); ``tools/train.py --resume`` reaches
the same final weights and task weights as an uninterrupted run, and a
checkpoint killed mid-write is never picked as the latest.

Each run is a real ``tools/train.py`` process; the kills are real SIGKILLs
sent by the process to itself at the chosen point (``kill_points.py``).
``SEGMIF_KILL_SEED`` picks other points (printed on failure).
"""
import copy
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from training_helpers import alternating_train_config

HERE = Path(__file__).parent
REPO = HERE.parents[1]
# 2 rounds: fusion 1-3, seg 4-6, fusion 7-9, seg 10-12; checkpoints every 2
SCHEDULE = dict(num_rounds=2, fusion_iters=3, seg_iters=3)
INTERVAL = 2
LAST = 12


def phase_of(iteration: int) -> str:
    return 'fusion' if (iteration - 1) % 6 < 3 else 'seg'


def kill_points(seed: int) -> list:
    """Three kills in training order: mid-phase (inside the forward or
    after the update), at the first iteration of a phase, and half-way
    through writing a checkpoint."""
    rng = random.Random(seed)
    mid = rng.choice([2, 5])
    switch = rng.choice([7, 10])
    write = rng.choice(
        [c for c in range(INTERVAL, LAST + 1, INTERVAL) if c > switch])
    return [
        dict(iteration=mid, moment=rng.choice(['forward', 'after_update'])),
        dict(iteration=switch, moment='phase_start'),
        dict(iteration=write, moment='checkpoint_write'),
    ]


def write_config(path: Path,
                 work_dir: Path,
                 data_root: Path,
                 model: dict,
                 kill: dict = None) -> Path:
    cfg = alternating_train_config(
        work_dir,
        data_root,
        copy.deepcopy(model),
        checkpoint_interval=INTERVAL,
        custom_hooks=[dict(type='SigkillHook', **kill)] if kill else [],
        **SCHEDULE)
    cfg.default_hooks.checkpoint.type = 'AtomicCheckpointHook'
    # the riskiest setting: one checkpoint kept
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1
    cfg.custom_imports = dict(
        imports=['segmif_mm', 'kill_points'], allow_failed_imports=False)
    cfg.dump(str(path))
    return path


def train(config: Path, resume: bool) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO), str(HERE)]),
        OMP_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='')
    cmd = [sys.executable, str(REPO / 'tools' / 'train.py'), str(config)]
    return subprocess.run(
        cmd + (['--resume'] if resume else []),
        env=env,
        capture_output=True,
        text=True,
        timeout=900)


def load(path: Path) -> dict:
    return torch.load(str(path), map_location='cpu', weights_only=False)


def latest(work_dir: Path) -> Path:
    return Path((work_dir / 'last_checkpoint').read_text().strip())


def test_sigkill_and_resume_match_an_uninterrupted_run(tmp_path,
                                                       demo_data_root,
                                                       tiny_segmif_cfg):
    seed = int(os.environ.get('SEGMIF_KILL_SEED', 14))
    kills = kill_points(seed)
    context = f'SEGMIF_KILL_SEED={seed}, kills {kills}'

    straight_dir = tmp_path / 'straight'
    result = train(
        write_config(tmp_path / 'straight.py', straight_dir, demo_data_root,
                     tiny_segmif_cfg),
        resume=False)
    assert result.returncode == 0, result.stderr[-3000:]

    work_dir = tmp_path / 'killed'
    for run, kill in enumerate(kills):
        config = write_config(tmp_path / f'run{run}.py', work_dir,
                              demo_data_root, tiny_segmif_cfg, kill)
        result = train(config, resume=run > 0)
        assert result.returncode == -signal.SIGKILL, (context,
                                                      result.stderr[-3000:])
        landed = json.loads((work_dir / 'killed.json').read_text())
        (work_dir / 'killed.json').unlink()
        assert landed == dict(kill, phase=phase_of(kill['iteration'])), \
            context
        saved = sorted(work_dir.glob('iter_*.pth'))
        # every kill lands before the checkpoint of its own iteration
        done = list(range(INTERVAL, kill['iteration'], INTERVAL))
        if kill['moment'] == 'checkpoint_write':
            # the half-written checkpoint never got a checkpoint's name;
            # the latest one is complete and loads
            assert not (work_dir / f'iter_{kill["iteration"]}.pth').exists()
            assert len(
                list(work_dir.glob(
                    f'.iter_{kill["iteration"]}.*.tmp.pth'))) == 1
        if done:
            assert saved == [work_dir / f'iter_{done[-1]}.pth'], context
            assert latest(work_dir) == saved[0]
            assert load(saved[0])['meta']['iter'] == done[-1]
        else:
            assert not saved and not (work_dir / 'last_checkpoint').exists()

    result = train(
        write_config(tmp_path / 'final.py', work_dir, demo_data_root,
                     tiny_segmif_cfg),
        resume=True)
    assert result.returncode == 0, (context, result.stderr[-3000:])
    assert sorted(p.name for p in work_dir.glob('*.pth')) == \
        [f'iter_{LAST}.pth']
    assert not list(work_dir.glob('.*.tmp*'))  # leftovers removed
    assert latest(work_dir) == work_dir / f'iter_{LAST}.pth'

    resumed = load(work_dir / f'iter_{LAST}.pth')
    straight = load(straight_dir / f'iter_{LAST}.pth')
    assert resumed['meta']['iter'] == straight['meta']['iter'] == LAST
    for name, value in straight['state_dict'].items():
        torch.testing.assert_close(
            resumed['state_dict'][name],
            value,
            rtol=0,
            atol=1e-6,
            msg=lambda msg: f'{name} ({context}): {msg}')
    resumed_weights = resumed['meta']['dynamic_task_weight']['weights']
    straight_weights = straight['meta']['dynamic_task_weight']['weights']
    assert resumed_weights == pytest.approx(straight_weights, abs=1e-6)
    assert straight_weights != dict(fusion=1.0, seg=1.0)
