# MFNet, one folder per modality: 640x480, 9 classes.
# Geometric transforms run after ConcatInfrared, so they move visible,
# infrared and label together; PhotoMetricDistortion sees the visible image
# only. The data preprocessor pads training crops to `crop_size`.
dataset_type = 'MFNetDataset'
data_root = 'data/MFNet'
crop_size = (360, 360)
meta_keys = ('img_path', 'ir_path', 'seg_map_path', 'ori_shape', 'img_shape',
             'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label')
train_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='PhotoMetricDistortion'),
    dict(type='GenerateSaliencyMaps'),  # fusion-loss weights, whole image
    dict(type='ConcatInfrared'),
    dict(
        type='RandomResize',
        scale=(640, 480),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackFusionSegInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='ConcatInfrared'),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='train/visible',
            ir_path='train/infrared',
            seg_map_path='train/labels'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='test/visible',
            ir_path='test/infrared',
            seg_map_path='test/labels'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# Segmentation under two protocols: (a) all classes, (b) without
# `unlabeled`; fusion quality of the fused image against both sources.
val_evaluator = [
    dict(
        type='MultiProtocolIoUMetric',
        protocols=dict(all=[], no_unlabeled=['unlabeled'])),
    dict(type='FusionQualityMetric'),
]
test_evaluator = val_evaluator
