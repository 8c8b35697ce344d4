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
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

from conftest import TINY_SEGMIF  # noqa: E402
from training_helpers import alternating_train_config  # noqa: E402

from mmseg.registry import HOOKS  # noqa: E402
from segmif_mm.engine import init_cpu_distributed  # noqa: E402

#: λ settings of the run: T != 1 and unequal η (see the test).
TASK_WEIGHT_HOOK = dict(
    type='DynamicTaskWeightHook',
    temperature=0.5,
    etas=dict(fusion=1.5, seg=2.5),
    window=1)


@HOOKS.register_module(force=True)
class RecordTaskLossesHook(Hook):
    """Records, per iteration, this rank's task losses and λ."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self.records = []

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        model = runner.model.module
        self.records.append(
            dict(
                phase=model.phase,
                losses={
                    task: float(outputs[f'task_{task}'])
                    for task in ('fusion', 'seg') if f'task_{task}' in outputs
                },
                weights=dict(model.task_weights)))


def main() -> None:
    work_dir, data_root = Path(sys.argv[1]), Path(sys.argv[2])
    init_default_scope('mmseg')
    cfg = alternating_train_config(
        work_dir,
        data_root,
        copy.deepcopy(TINY_SEGMIF),
        num_rounds=2,
        fusion_iters=2,
        seg_iters=2,
        custom_hooks=[dict(type='RecordTaskLossesHook')],
        task_weight_hook=TASK_WEIGHT_HOOK)
    cfg.launcher = 'pytorch'
    init_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model.module
    recorder = next(
        h for h in runner.hooks if isinstance(h, RecordTaskLossesHook))
    state = {
        'hook':
        TASK_WEIGHT_HOOK,
        'records':
        recorder.records,
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
