"""Two CPU processes (gloo) train together and end identical, with the λ
of eq. 8-9 on the losses of both ranks."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from training_helpers import expected_task_weights


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_process_gloo_run_keeps_ranks_identical(tmp_path, demo_data_root):
    worker = Path(__file__).with_name('dist_worker.py')
    # CPU processes even on a GPU machine: with CUDA visible, mmengine's
    # init_dist would bind rank r to GPU r, which a 1-GPU machine lacks.
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        '--master_addr=127.0.0.1', f'--master_port={free_port()}',
        str(worker),
        str(tmp_path),
        str(demo_data_root)
    ]
    result = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:])

    ranks = [
        json.loads((tmp_path / f'rank{r}.json').read_text()) for r in range(2)
    ]
    assert all(r['world_size'] == 2 for r in ranks)
    assert all(r['wrapper'] == 'MMSeparateDistributedDataParallel'
               for r in ranks)
    # λ after every iteration: the same on both ranks, and eq. 8-9 on the
    # task losses averaged over the ranks (all-reduced), not on one rank's.
    hook = ranks[0]['hook']
    records = [r['records'] for r in ranks]
    assert [r['phase']
            for r in records[0]] == (['fusion'] * 2 + ['seg'] * 2) * 2
    local = [[
        r['losses'] if r['phase'] == 'fusion' else None for r in rank_records
    ] for rank_records in records]
    averaged = [
        None if a is None else {
            t: (a[t] + b[t]) / 2
            for t in a
        } for a, b in zip(*local)
    ]
    expected = expected_task_weights(averaged, hook['temperature'],
                                     hook['etas'], hook['window'])
    for rank_records in records:
        for i, (r, weights) in enumerate(zip(rank_records, expected)):
            assert r['weights'] == pytest.approx(weights, rel=1e-9, abs=0), i
    assert ranks[0]['task_weights'] == ranks[1]['task_weights']
    assert ranks[0]['task_weights'] == pytest.approx(expected[-1], rel=1e-9)
    # the ranks saw different batches: one rank's losses give another λ
    for rank_losses in local:
        alone = expected_task_weights(rank_losses, hook['temperature'],
                                      hook['etas'], hook['window'])
        assert alone[-1] != pytest.approx(expected[-1], rel=1e-6)
    assert ranks[0]['params'].keys() == ranks[1]['params'].keys()
    for name, value in ranks[0]['params'].items():
        assert ranks[1]['params'][name] == pytest.approx(
            value, rel=1e-6, abs=1e-6), name
    assert ranks[0]['param_sq'] == pytest.approx(
        ranks[1]['param_sq'], rel=1e-9)
