"""Builds tiny alternating-training configs for the engine tests."""
from pathlib import Path

from mmengine.config import Config

META_KEYS = ('img_path', 'ir_path', 'seg_map_path', 'ori_shape', 'img_shape',
             'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label')
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
) -> Config:
    """A complete Runner config for a few CPU iterations of SegMiF."""
    model['data_preprocessor']['size'] = (48, 48)
    return Config(
        dict(
            default_scope='mmseg',
            work_dir=str(work_dir),
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
                dict(type='DynamicTaskWeightHook', temperature=1.0, window=1),
                *custom_hooks
            ],
            model_wrapper_cfg=dict(
                type='MMSeparateDistributedDataParallel',
                broadcast_buffers=False,
                find_unused_parameters=True),
            env_cfg=dict(dist_cfg=dict(backend='gloo')),
            randomness=dict(seed=0),
            log_level='WARNING'))
