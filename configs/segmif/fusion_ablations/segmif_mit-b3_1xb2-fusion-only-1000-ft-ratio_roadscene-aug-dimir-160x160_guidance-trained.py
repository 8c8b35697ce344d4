# Ablation arm "dim infrared": the "guidance trained, longer" arm with one
# more augmentation, RandomInfraredExposure (a thermal export that spans a
# wide temperature range: dark background, bright hot spots, as in MSRS),
# before the infrared contrast change. Same start, seed and schedule.
_base_ = [
    './segmif_mit-b3_1xb2-fusion-only-1000-ft-ratio_'
    'roadscene-aug-160x160_guidance-trained.py'
]
train_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='RandomGrayscaleVisible', prob=0.2),
    dict(type='RandomVisibleExposure', prob=0.5),
    dict(type='RandomInfraredExposure', prob=0.3),
    dict(type='RandomInfraredContrast', prob=0.5),
    dict(type='RandomInfraredNoise', prob=0.3),
    dict(type='GenerateSaliencyMaps'),
    dict(type='ConcatInfrared'),
    dict(
        type='RandomResize',
        scale=(4096, 330),
        ratio_range=(0.5, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=_base_.crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackFusionSegInputs', meta_keys=_base_.meta_keys)
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
