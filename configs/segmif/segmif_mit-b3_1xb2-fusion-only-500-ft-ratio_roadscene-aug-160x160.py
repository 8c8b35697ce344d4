# The first out-of-domain fine-tune of the label-free fusion weights (shipped
# before the 2000-iteration config trained on from it): 500 'fusion_only'
# iterations at batch 2 on augmented RoadScene crops of 160x160 with the
# ratio VSM rule and whole-image saliency, fine-tuned from the section-7
# weights (700 iterations on unaugmented 64 and 96 px crops with per-crop
# saliency; configs/segmif/*-fusion-only-300-ratio*) and
# validated every 250 iterations on the pairs of other sensors (VIFB, MSRS,
# MFNet; configs/_base_/datasets/roadscene_fusion_ood.py). No labels, no
# ImageNet weights: the seeded random MiT-B3 stays frozen and gives HIA's
# guidance. Every choice (loss weights, VSM rule, augmentations, guidance)
# is measured on that validation set in docs/fusion_real.md section 8.
_base_ = [
    '../_base_/models/segmif_mit-b3.py',
    '../_base_/datasets/roadscene_fusion_ood.py',
    '../_base_/default_runtime.py', '../_base_/schedules/segmif_fusion-only.py'
]
randomness = dict(seed=0)
crop_size = (160, 160)
fusion_iters = 500
fusion_lr = 3e-4
load_from = 'checkpoints/segmif_fusion_mit-b3_roadscene_fp16.pth'
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=None),
    decode_head=dict(norm_cfg=dict(type='BN', requires_grad=True)),
    fusion_loss=dict(pixel_cfg=dict(weight_rule='ratio')))
train_dataloader = dict(batch_size=2)
train_cfg = dict(
    phases=[dict(phase='fusion_only', iters=fusion_iters)], val_interval=250)
optim_wrapper = dict(fusion=dict(optimizer=dict(lr=fusion_lr)))
param_scheduler = dict(fusion=[
    dict(type='PolyLR', eta_min=1e-7, end=fusion_iters, by_epoch=False)
])
default_hooks = dict(checkpoint=dict(interval=250, max_keep_ckpts=12))
env_cfg = dict(cudnn_benchmark=False)
