# The schedule of the authors' public code (SPEC §6), for comparison only:
# 7 rounds; the first fusion phase runs 6k iterations, later ones 4k; T=1000
# (which makes eq. 9 almost constant) with eta_fusion=0.4 and eta_seg=0.8.
_base_ = './segmif_alt8r.py'

num_rounds = 7
fusion_iters = [6000, 4000, 4000, 4000, 4000, 4000, 4000]
seg_iters = 10000

train_cfg = dict(
    num_rounds=num_rounds,
    phases=[
        dict(phase='fusion', iters=fusion_iters),
        dict(phase='seg', iters=seg_iters),
    ])
param_scheduler = dict(
    fusion=[
        dict(
            type='PolyLR',
            eta_min=1e-8,
            power=1.0,
            begin=0,
            end=sum(fusion_iters),
            by_epoch=False)
    ],
    seg=[
        dict(
            type='ConstantLR',
            factor=1e-6 / 8e-5,
            begin=0,
            end=3000,
            by_epoch=False),
        dict(
            type='PolyLR',
            eta_min=0.0,
            power=1.0,
            begin=3000,
            end=num_rounds * seg_iters,
            by_epoch=False)
    ])
default_hooks = dict(checkpoint=dict(interval=14000))
custom_hooks = [
    dict(
        type='DynamicTaskWeightHook',
        temperature=1000.0,
        etas=dict(fusion=0.4, seg=0.8),
        window=50)
]
