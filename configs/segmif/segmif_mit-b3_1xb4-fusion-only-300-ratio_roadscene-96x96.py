# Second stage of the shipped label-free fusion weights: 300 more
# 'fusion_only' iterations on 96x96 RoadScene crops with the ratio VSM rule,
# starting from the first stage
# (segmif_mit-b3_1xb4-fusion-only-400_roadscene-64x64.py; pass its
# checkpoint as load_from). The ratio rule is the one whose loss optimum
# beats the pixel maximum's SD on both the train and the eval crops
# (docs/fusion_real.md); the paper configs keep Ma's rule (SPEC).
_base_ = ['./segmif_mit-b3_1xb4-fusion-only-400_roadscene-64x64.py']
crop_size = (96, 96)
fusion_iters = 300
fusion_lr = 5e-4
model = dict(
    data_preprocessor=dict(size=crop_size),
    fusion_loss=dict(pixel_cfg=dict(weight_rule='ratio')))
train_pipeline = [
    dict(transform, crop_size=crop_size)
    if transform.type == 'RandomCrop' else transform
    for transform in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
train_cfg = dict(
    phases=[dict(phase='fusion_only', iters=fusion_iters)],
    val_interval=fusion_iters)
optim_wrapper = dict(fusion=dict(optimizer=dict(lr=fusion_lr)))
param_scheduler = dict(
    fusion=[dict(_base_.param_scheduler.fusion[0], end=fusion_iters)])
default_hooks = dict(checkpoint=dict(interval=100, max_keep_ckpts=3))
