# A low learning-rate ending for the 2,000-iteration "dim infrared" arm:
# 500 more 'fusion_only' iterations of the same recipe at lr 3e-5 (a tenth)
# poly-decayed, from that arm's iteration 2,000, validated every 250
# iterations on the pairs of other sensors. Train the 2,000-iteration arm
# first; its work directory holds the starting checkpoint.
_base_ = [
    './segmif_mit-b3_1xb2-fusion-only-2000-ft-ratio_'
    'roadscene-aug-dimir-160x160_guidance-trained.py'
]
fusion_iters = 500
load_from = ('work_dirs/segmif_mit-b3_1xb2-fusion-only-2000-ft-ratio_'
             'roadscene-aug-dimir-160x160_guidance-trained/iter_2000.pth')
optim_wrapper = dict(fusion=dict(optimizer=dict(lr=3e-5)))
train_cfg = dict(
    phases=[dict(phase='fusion_only', iters=fusion_iters)], val_interval=250)
param_scheduler = dict(fusion=[
    dict(type='PolyLR', eta_min=1e-8, end=fusion_iters, by_epoch=False)
])
default_hooks = dict(checkpoint=dict(interval=250))
