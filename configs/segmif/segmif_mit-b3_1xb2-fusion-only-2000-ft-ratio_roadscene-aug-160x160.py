# The 500-iteration out-of-domain recipe trained longer: 2,000 more
# 'fusion_only' iterations (batch 2, augmented 160x160 RoadScene crops, ratio
# VSM rule, whole-image saliency, lr 3e-4 poly-decayed again) from its
# weights, validated every 500 iterations on the pairs of other sensors
# (VIFB, MSRS, MFNet). 3,200 iterations in all: 700 (section 7 of
# docs/fusion_real.md) + 500 + 2,000.
_base_ = [
    './segmif_mit-b3_1xb2-fusion-only-500-ft-ratio_roadscene-aug-160x160.py'
]
fusion_iters = 2000
load_from = 'checkpoints/segmif_fusion_mit-b3_roadscene-aug_fp16.pth'
train_cfg = dict(
    phases=[dict(phase='fusion_only', iters=fusion_iters)], val_interval=500)
param_scheduler = dict(fusion=[
    dict(type='PolyLR', eta_min=1e-7, end=fusion_iters, by_epoch=False)
])
default_hooks = dict(checkpoint=dict(interval=500))
