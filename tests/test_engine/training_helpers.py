"""Builds tiny alternating-training configs for the engine tests, and
recomputes the task weights the dynamic-weight hook must set."""
import itertools
import math
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config

META_KEYS = ('img_path', 'ir_path', 'seg_map_path', 'ori_shape', 'img_shape',
             'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label')
RUN_NUMBERS = itertools.count()
TRAIN_PIPELINE = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='PhotoMetricDistortion'),
    dict(type='GenerateSaliencyMaps'),
    dict(type='ConcatInfrared'),
    dict(
        type='RandomResize',
        scale=(80, 64),
        ratio_range=(0.75, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=(48, 48)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackFusionSegInputs', meta_keys=META_KEYS),
]


def alternating_train_config(
    work_dir: Path,
    data_root: Path,
    model: dict,
    num_rounds: int = 2,
    fusion_iters: int = 2,
    seg_iters: int = 3,
    checkpoint_interval: int = 100,
    custom_hooks: list = (),
    task_weight_hook: Optional[dict] = None,
) -> Config:
    """A complete Runner config for a few CPU iterations of SegMiF.

    ``task_weight_hook`` replaces the default
    ``DynamicTaskWeightHook`` (T = 1, window 1). Each config gets its own
    ``experiment_name``: without one, Runners built in the same second share
    the timestamp-named ``MMLogger`` and write into the first one's log file.
    The name is a per-process count, so the ranks of a distributed run agree.
    """
    model['data_preprocessor']['size'] = (48, 48)
    return Config(
        dict(
            default_scope='mmseg',
            work_dir=str(work_dir),
            experiment_name=f'{work_dir.name}_{next(RUN_NUMBERS)}',
            model=model,
            train_dataloader=dict(
                batch_size=2,
                num_workers=0,
                sampler=dict(type='InfiniteSampler', shuffle=True, seed=0),
                dataset=dict(
                    type='SegMiFDemoDataset',
                    data_root=str(data_root),
                    pipeline=TRAIN_PIPELINE)),
            train_cfg=dict(
                type='AlternatingTrainLoop',
                num_rounds=num_rounds,
                phases=[
                    dict(phase='fusion', iters=fusion_iters),
                    dict(phase='seg', iters=seg_iters)
                ]),
            optim_wrapper=dict(
                constructor='SegMiFOptimWrapperConstructor',
                fusion=dict(
                    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)),
                seg=dict(
                    type='OptimWrapper', optimizer=dict(type='AdamW',
                                                        lr=1e-3))),
            param_scheduler=dict(
                fusion=[
                    dict(
                        type='LinearLR',
                        start_factor=1.0,
                        end_factor=0.5,
                        begin=0,
                        end=num_rounds * fusion_iters,
                        by_epoch=False)
                ],
                seg=[
                    dict(
                        type='LinearLR',
                        start_factor=1.0,
                        end_factor=0.25,
                        begin=0,
                        end=num_rounds * seg_iters,
                        by_epoch=False)
                ]),
            default_hooks=dict(
                timer=dict(type='IterTimerHook'),
                logger=dict(type='LoggerHook', interval=1),
                param_scheduler=dict(type='PhaseParamSchedulerHook'),
                checkpoint=dict(
                    type='CheckpointHook',
                    by_epoch=False,
                    interval=checkpoint_interval)),
            custom_hooks=[
                task_weight_hook or dict(
                    type='DynamicTaskWeightHook', temperature=1.0, window=1),
                *custom_hooks
            ],
            model_wrapper_cfg=dict(
                type='MMSeparateDistributedDataParallel',
                broadcast_buffers=False,
                find_unused_parameters=True),
            env_cfg=dict(dist_cfg=dict(backend='gloo')),
            randomness=dict(seed=0),
            log_level='WARNING'))


def eq9(latest: Dict[str, float], previous: Dict[str, float],
        temperature: float, etas: Dict[str, float]) -> Dict[str, float]:
    """λ_i = η_i exp(r_i / T) / Σ_k exp(r_k / T), r_i = latest / previous."""
    rates = {t: latest[t] / previous[t] for t in etas}
    total = sum(math.exp(rate / temperature) for rate in rates.values())
    return {
        t: etas[t] * math.exp(rates[t] / temperature) / total
        for t in etas
    }


def expected_task_weights(losses: Sequence[Optional[Dict[str, float]]],
                          temperature: float, etas: Dict[str, float],
                          window: int) -> List[Dict[str, float]]:
    """λ after each iteration by paper eq. 8-9, written out.

    Loss values are averaged over windows of ``window`` counted iterations
    (continuing across rounds); after window n,
    ``r_i = L_i(n) / L_i(n-1)`` and
    ``λ_i = η_i exp(r_i / T) / Σ_k exp(r_k / T)``; before two windows are
    complete, ``λ_i = η_i / K``.

    Args:
        losses (Sequence[dict | None]): Per iteration, the unweighted task
            losses the hook saw (``task_<name>``, averaged over ranks), or
            None for an iteration whose phase does not count.
        temperature (float): T.
        etas (dict[str, float]): η per task.
        window (int): Iterations per window.

    Returns:
        list[dict[str, float]]: λ per task after each iteration.
    """
    tasks = list(etas)
    weights = {t: etas[t] / len(tasks) for t in tasks}
    current, means, expected = [], [], []
    for loss in losses:
        if loss is not None:
            current.append(loss)
            if len(current) == window:
                means.append(
                    {t: sum(c[t] for c in current) / window
                     for t in tasks})
                current = []
                if len(means) >= 2:
                    weights = eq9(means[-1], means[-2], temperature, etas)
        expected.append(dict(weights))
    return expected
