# Label-free fusion on RoadScene sized for a 2-core CPU (the shipped weights):
# 400 'fusion_only' iterations, 64x64 crops, batch 4, Adam 1e-3 poly. No
# labels, no ImageNet weights: the seeded random MiT-B3 stays frozen and
# gives HIA's guidance. Choices measured in docs/fusion_real.md.
_base_ = [
    '../_base_/models/segmif_mit-b3.py',
    '../_base_/datasets/roadscene_fusion.py', '../_base_/default_runtime.py',
    '../_base_/schedules/segmif_fusion-only.py'
]
randomness = dict(seed=0)
crop_size = (64, 64)
fusion_iters = 400
fusion_lr = 1e-3
hia_cfg = dict(
    type='HierarchicalInteractiveAttention',
    context_scale='cosine',
    context_axis='key',
    temperature_init=10.0)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=None),
    decode_head=dict(norm_cfg=dict(type='BN', requires_grad=True)),
    fusion_head=dict(hia_cfgs=[hia_cfg, hia_cfg]))
train_pipeline = [
    dict(transform, crop_size=crop_size)
    if transform.type == 'RandomCrop' else transform
    for transform in _base_.train_pipeline
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
train_cfg = dict(
    phases=[dict(phase='fusion_only', iters=fusion_iters)],
    val_interval=fusion_iters)
optim_wrapper = dict(fusion=dict(optimizer=dict(lr=fusion_lr)))
param_scheduler = dict(fusion=[
    dict(type='PolyLR', eta_min=1e-7, end=fusion_iters, by_epoch=False)
])
default_hooks = dict(checkpoint=dict(interval=100, max_keep_ckpts=4))
env_cfg = dict(cudnn_benchmark=False)
