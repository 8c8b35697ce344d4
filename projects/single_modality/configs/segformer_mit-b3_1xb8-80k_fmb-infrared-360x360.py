# Stock SegFormer (MiT-B3) on FMB's infrared images only (replicated to three
# channels for the ImageNet-pretrained MiT): the "Infrared" row of Table 2.
# As in SegMiF's pipeline, PhotoMetricDistortion touches the visible image
# only, so the infrared input is not photometrically distorted.
_base_ = ['./segformer_mit-b3_1xb8-80k_fmb-visible-360x360.py']
modality = 'infrared'
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
