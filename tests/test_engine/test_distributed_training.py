"""Two CPU processes (gloo) train together and end identical."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


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
    assert ranks[0]['task_weights'] == ranks[1]['task_weights']
    assert ranks[0]['task_weights'] != dict(fusion=1.0, seg=1.0)
    assert ranks[0]['params'].keys() == ranks[1]['params'].keys()
    for name, value in ranks[0]['params'].items():
        assert ranks[1]['params'][name] == pytest.approx(
            value, rel=1e-6, abs=1e-6), name
    assert ranks[0]['param_sq'] == pytest.approx(
        ranks[1]['param_sq'], rel=1e-9)
