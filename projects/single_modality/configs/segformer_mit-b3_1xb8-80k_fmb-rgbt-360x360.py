# Stock SegFormer (MiT-B3) on FMB's 4-channel early-fusion input (R, G, B,
# IR). The pretrained RGB stem is inflated to four input channels (segmif_mm's
# InflatedPretrained init); the infrared channel is normalised with the mean
# of ImageNet's RGB means and stds.
_base_ = ['./segformer_mit-b3_1xb8-80k_fmb-visible-360x360.py']
modality = 'both'
crop_size = (360, 360)
train_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='PhotoMetricDistortion'),
    dict(type='SelectModality', modality=modality),
    dict(
        type='RandomResize',
        scale=(800, 600),
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
    backbone=dict(in_channels=4, init_cfg=dict(type='InflatedPretrained')))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
