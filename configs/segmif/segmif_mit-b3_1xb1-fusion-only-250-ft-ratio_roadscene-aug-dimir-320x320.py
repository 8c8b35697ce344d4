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
# The learning rates of the arm's first 250 steps: its PolyLR (power 1,
# eta_min 1e-7, end 1,000) is linear, 3e-4 down to 2.2525e-4 here.
param_scheduler = dict(fusion=[
    dict(
        type='LinearLR',
        start_factor=1.0,
        end_factor=1 - 249 / 999 * (1 - 1e-7 / 3e-4),
        end=fusion_iters,
        by_epoch=False)
])
