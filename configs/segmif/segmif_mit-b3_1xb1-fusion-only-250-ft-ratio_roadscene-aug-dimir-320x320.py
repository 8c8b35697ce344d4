# The shipped fusion weights: the first 250 'fusion_only' iterations of the
# "larger crops" arm (batch 1 of augmented 320x320 RoadScene crops, dim
# infrared among the augmentations, ratio VSM rule, MiT-B3 stages 1-2
# trained through the fusion loss) from the 2,700-iteration weights,
# validated on the pairs of other sensors (VIFB, MSRS, MFNet). 2,950
# iterations in all. CPU training is not bit-reproducible: a rerun is
# another draw of the same recipe (docs/fusion_real.md section 8).
_base_ = [
    './fusion_ablations/segmif_mit-b3_1xb1-fusion-only-1000-ft-ratio_'
    'roadscene-aug-dimir-320x320_guidance-trained.py'
]
fusion_iters = 250
train_cfg = dict(phases=[dict(phase='fusion_only', iters=fusion_iters)])
# The learning rates of the arm's first 250 steps: its PolyLR has power 1,
# so it is the line that this LinearLR follows to the end of the phase
# (3e-4 down to 2.2525e-4).
param_scheduler = dict(fusion=[
    dict(
        type='LinearLR',
        start_factor=1.0,
        end_factor=1 - (fusion_iters - 1) / (_base_.fusion_iters - 1) *
        (1 - _base_.param_scheduler.fusion[0].eta_min / _base_.fusion_lr),
        end=fusion_iters,
        by_epoch=False)
])
