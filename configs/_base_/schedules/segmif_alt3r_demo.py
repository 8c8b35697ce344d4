# The demo schedule, sized for a CPU: 3 rounds of 40 fusion + 100
# segmentation iterations, validation before training and after every round;
# lr 2e-3 for both tasks (segmentation warms up linearly over 50 iterations),
# the dynamic task weights averaged over windows of 10 iterations.
_base_ = './segmif_alt8r.py'

num_rounds = 3
fusion_iters = 40
seg_iters = 100
seg_warmup_iters = 50

train_cfg = dict(
    num_rounds=num_rounds,
    val_before_train=True,
    phases=[
        dict(phase='fusion', iters=fusion_iters),
        dict(phase='seg', iters=seg_iters),
    ])
optim_wrapper = dict(
    fusion=dict(optimizer=dict(lr=2e-3)), seg=dict(optimizer=dict(lr=2e-3)))
param_scheduler = dict(
    fusion=[
        dict(
            _base_.param_scheduler.fusion[0],
            eta_min=1e-6,
            end=num_rounds * fusion_iters)
    ],
    seg=[
        dict(
            _base_.param_scheduler.seg[0],
            start_factor=0.05,
            end=seg_warmup_iters),
        dict(
            _base_.param_scheduler.seg[1],
            begin=seg_warmup_iters,
            end=num_rounds * seg_iters)
    ])
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=fusion_iters + seg_iters, max_keep_ckpts=1))
custom_hooks = [dict(_base_.custom_hooks[0], window=10)]
