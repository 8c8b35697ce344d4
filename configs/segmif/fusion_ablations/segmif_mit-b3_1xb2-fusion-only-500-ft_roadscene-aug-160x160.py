# Ablation arm "augmented" of docs/fusion_real.md section 8: 500 iterations
# from the previous shipped fusion weights (load_from), batch 2, on the
# augmented 160x160 RoadScene crops with Ma's VSM rule, validated once at
# the end on the pairs of other sensors. Every arm starts from the same
# weights with the same seed; each changes one thing.
_base_ = [
    '../segmif_mit-b3_1xb2-fusion-only-1k-ft-ratio_roadscene-aug-160x160.py'
]
fusion_iters = 500
fusion_lr = 3e-4
load_from = 'checkpoints/segmif_fusion_mit-b3_roadscene_fp16.pth'
model = dict(fusion_loss=dict(pixel_cfg=dict(weight_rule='ma')))
train_cfg = dict(
    phases=[dict(phase='fusion_only', iters=fusion_iters)],
    val_interval=fusion_iters)
optim_wrapper = dict(fusion=dict(optimizer=dict(lr=fusion_lr)))
param_scheduler = dict(fusion=[
    dict(type='PolyLR', eta_min=1e-7, end=fusion_iters, by_epoch=False)
])
default_hooks = dict(checkpoint=dict(interval=fusion_iters, max_keep_ckpts=1))
