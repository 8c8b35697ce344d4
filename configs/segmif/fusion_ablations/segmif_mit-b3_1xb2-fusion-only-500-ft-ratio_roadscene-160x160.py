# Ablation arm "no augmentation": as the 500-iteration out-of-domain config,
# but the training crops are taken at the native scale from the unchanged
# pairs (random crop and horizontal flip only, as the previous shipped weights
# were trained).
_base_ = [
    '../segmif_mit-b3_1xb2-fusion-only-500-ft-ratio_roadscene-aug-160x160.py'
]
train_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='GenerateSaliencyMaps'),
    dict(type='ConcatInfrared'),
    dict(type='RandomCrop', crop_size=_base_.crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackFusionSegInputs', meta_keys=_base_.meta_keys)
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
