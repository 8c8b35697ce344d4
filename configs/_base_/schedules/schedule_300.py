# schedule_80k.py shortened to 300 iterations for the CPU demo configs: lr
# 2e-3 after a linear warm-up over 50 iterations, poly decay, validation and
# one checkpoint at the end.
_base_ = './schedule_80k.py'
warmup_iters = 50
max_iters = 300
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.05,
        begin=0,
        end=warmup_iters,
        by_epoch=False),
    dict(_base_.param_scheduler[1], begin=warmup_iters, end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
