# The 2,000-iteration "dim infrared" arm continued for 1,000 'fusion_only'
# iterations with every photometric augmentation at half its probability:
# with the full probabilities only about 1 training crop in 10 keeps
# RoadScene's own levels, with half about 1 in 3. Lr 1e-4 poly-decayed,
# from that arm's iteration 2,000 (train it first; its work directory holds
# the starting checkpoint), validated every 500 iterations on the pairs of
# other sensors.
_base_ = [
    './segmif_mit-b3_1xb2-fusion-only-2000-ft-ratio_'
    'roadscene-aug-dimir-160x160_guidance-trained.py'
]
fusion_iters = 1000
load_from = ('work_dirs/segmif_mit-b3_1xb2-fusion-only-2000-ft-ratio_'
             'roadscene-aug-dimir-160x160_guidance-trained/iter_2000.pth')
halved_probs = dict(
    RandomGrayscaleVisible=0.1,
    RandomVisibleExposure=0.25,
    RandomInfraredExposure=0.15,
    RandomInfraredContrast=0.25,
    RandomInfraredNoise=0.15)
train_pipeline = [
    dict(step, prob=halved_probs[step['type']])
    if step['type'] in halved_probs else step for step in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(fusion=dict(optimizer=dict(lr=1e-4)))
train_cfg = dict(phases=[dict(phase='fusion_only', iters=fusion_iters)])
param_scheduler = dict(fusion=[
    dict(type='PolyLR', eta_min=1e-7, end=fusion_iters, by_epoch=False)
])
