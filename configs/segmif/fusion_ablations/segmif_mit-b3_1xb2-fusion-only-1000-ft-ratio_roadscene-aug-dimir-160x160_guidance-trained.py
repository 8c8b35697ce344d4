# Ablation arm "dim infrared": the "guidance trained, longer" arm with one
# more augmentation, RandomInfraredExposure (a thermal export that spans a
# wide temperature range: dark background, bright hot spots, as in MSRS),
# before the infrared contrast change. Same start, seed and schedule.
_base_ = [
    './segmif_mit-b3_1xb2-fusion-only-1000-ft-ratio_'
    'roadscene-aug-160x160_guidance-trained.py'
]
train_pipeline = _base_.train_pipeline
train_pipeline.insert(3, dict(type='RandomInfraredExposure', prob=0.3))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
