# Stock SegFormer on the 4-channel (R, G, B, IR) demo input, sized for a CPU
# like the visible demo config (four input channels, random init).
_base_ = ['./segformer_mit-tiny_1xb4-300_demo-visible-96x96.py']
modality = 'both'
crop_size = (96, 96)
train_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='PhotoMetricDistortion'),
    dict(type='SelectModality', modality=modality),
    dict(
        type='RandomResize',
        scale=(160, 128),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys={{_base_.meta_keys}})
]
test_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='SelectModality', modality=modality),
    dict(type='PackSegInputs', meta_keys={{_base_.meta_keys}})
]
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53, 114.495],
        std=[58.395, 57.12, 57.375, 57.63]),
    backbone=dict(in_channels=4))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
