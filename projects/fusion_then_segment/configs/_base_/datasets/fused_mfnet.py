# Fused MFNet images + MFNet labels (original release, labels/<name>.png).
# `fused_root` holds train/ (train+val frames) and test/ folders of fused
# images named like the visible images (tools/fuse.py --split train /
# --split test). Set it with FUSED_ROOT=... in the environment, or with
# --cfg-options {train,val,test}_dataloader.dataset.data_prefix.img_path=...
dataset_type = 'FusedImageDataset'
data_root = 'data/MFNet'
# Like every image folder of a dataset, an absolute path or one relative to
# data_root: the default is work_dirs/fused/mfnet of the working directory.
fused_root = '{{$FUSED_ROOT:../../work_dirs/fused/mfnet}}'
crop_size = (360, 360)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='PhotoMetricDistortion'),
    dict(
        type='RandomResize',
        scale=(640, 480),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        source='MFNetPackedDataset',
        data_root=data_root,
        data_prefix=dict(
            img_path=fused_root + '/train', seg_map_path='labels'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        source='MFNetPackedDataset',
        data_root=data_root,
        data_prefix=dict(img_path=fused_root + '/test', seg_map_path='labels'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='MultiProtocolIoUMetric',
    per_class_keys=True,
    protocols=dict(all=[], no_unlabeled=['unlabeled']))
test_evaluator = val_evaluator
