"""One rank of the 2-process CPU (gloo) training test; started by torchrun.

    torchrun --nproc_per_node 2 dist_worker.py WORK_DIR DATA_ROOT
"""
import copy
import json
import os
import sys
from pathlib import Path

import torch
from mmengine.dist import get_rank
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

from conftest import TINY_SEGMIF  # noqa: E402
from training_helpers import alternating_train_config  # noqa: E402

from segmif_mm.engine import init_cpu_distributed  # noqa: E402


def main() -> None:
    work_dir, data_root = Path(sys.argv[1]), Path(sys.argv[2])
    init_default_scope('mmseg')
    cfg = alternating_train_config(
        work_dir,
        data_root,
        copy.deepcopy(TINY_SEGMIF),
        num_rounds=2,
        fusion_iters=2,
        seg_iters=2)
    cfg.launcher = 'pytorch'
    init_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model.module
    state = {
        'world_size':
        int(os.environ['WORLD_SIZE']),
        'wrapper':
        type(runner.model).__name__,
        'task_weights':
        model.task_weights,
        'params': {
            name: param.detach().double().sum().item()
            for name, param in model.named_parameters()
        },
        'param_sq':
        sum(float((p.detach().double()**2).sum()) for p in model.parameters()),
    }
    (work_dir / f'rank{get_rank()}.json').write_text(json.dumps(state))
    torch.distributed.destroy_process_group()


if __name__ == '__main__':
    main()
