# SegMiF's segmentation schedule (paper §5) as one plain iteration-based run,
# for the stock segmenters of projects/single_modality and
# projects/fusion_then_segment.
# The paper trains its fusion-based competitors with "a similar configuration
# of segmentation": 80k iterations (= 8 rounds x 10k segmentation
# iterations), AdamW with SegFormer's parameter groups, a warm start at 1e-6
# for 3k iterations, then lr 8e-5 with poly decay; batch 8 (set per config).
warmup_iters = 3000
max_iters = 80000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=8e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys=dict(
            pos_block=dict(decay_mult=0.),
            norm=dict(decay_mult=0.),
            head=dict(lr_mult=10.))))
param_scheduler = [
    dict(
        type='ConstantLR',
        factor=1e-6 / 8e-5,
        begin=0,
        end=warmup_iters,
        by_epoch=False),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=warmup_iters,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=10000,
        max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
