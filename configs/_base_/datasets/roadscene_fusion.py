# RoadScene (FLIR road scenes): 221 registered, unlabelled pairs of varying
# size (about 330x500), read from ../shared/data/real/roadscene (vi/, ir/).
# Fixed split by sorted file name: the first 180 pairs train, the last 41
# evaluate. No labels: no annotation loading, fusion-quality metrics only.
# Training crops keep the native scale (the fusion losses and metrics
# measure detail at the pixel scale); the smallest pair is 178 px high.
dataset_type = 'FusionPairDataset'
data_root = '../shared/data/real/roadscene'
crop_size = (160, 160)
meta_keys = ('img_path', 'ir_path', 'ori_shape', 'img_shape', 'pad_shape',
             'scale_factor', 'flip', 'flip_direction')
train_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='GenerateSaliencyMaps'),  # fusion-loss weights, whole image
    dict(type='ConcatInfrared'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackFusionSegInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='ConcatInfrared'),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='vi', ir_path='ir'),
        indices=180,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='vi', ir_path='ir'),
        indices=list(range(180, 221)),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='FusionQualityMetric')
test_evaluator = val_evaluator
