# The pixel term at weight 30 instead of 10 (its loss optimum on the pairs of
# other sensors asks for 1.2 more SD, docs/fusion_real.md section 8): the
# 2,000-iteration "dim infrared" arm continued for 500 'fusion_only'
# iterations at lr 1e-4 poly-decayed, from that arm's iteration 2,000 (train
# it first; its work directory holds the starting checkpoint).
_base_ = [
    './segmif_mit-b3_1xb2-fusion-only-2000-ft-ratio_'
    'roadscene-aug-dimir-160x160_guidance-trained.py'
]
fusion_iters = 500
load_from = ('work_dirs/segmif_mit-b3_1xb2-fusion-only-2000-ft-ratio_'
             'roadscene-aug-dimir-160x160_guidance-trained/iter_2000.pth')
model = dict(fusion_loss=dict(pixel_cfg=dict(loss_weight=30.0)))
optim_wrapper = dict(fusion=dict(optimizer=dict(lr=1e-4)))
train_cfg = dict(phases=[dict(phase='fusion_only', iters=fusion_iters)])
param_scheduler = dict(fusion=[
    dict(type='PolyLR', eta_min=1e-7, end=fusion_iters, by_epoch=False)
])
