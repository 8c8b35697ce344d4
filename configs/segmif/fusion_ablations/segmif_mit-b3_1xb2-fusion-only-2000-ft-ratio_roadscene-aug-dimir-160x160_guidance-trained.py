# The "dim infrared" arm trained twice as long: 2,000 'fusion_only'
# iterations instead of 1,000 from the shipped 2,700-iteration weights, with
# the learning rate poly-decayed over the 2,000, validated every 500
# iterations on the pairs of other sensors (VIFB, MSRS, MFNet).
_base_ = [
    './segmif_mit-b3_1xb2-fusion-only-1000-ft-ratio_'
    'roadscene-aug-dimir-160x160_guidance-trained.py'
]
fusion_iters = 2000
train_cfg = dict(phases=[dict(phase='fusion_only', iters=fusion_iters)])
param_scheduler = dict(fusion=[
    dict(type='PolyLR', eta_min=1e-7, end=fusion_iters, by_epoch=False)
])
