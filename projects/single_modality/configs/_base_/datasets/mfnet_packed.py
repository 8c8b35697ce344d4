# SegMiF's MFNet data (configs/_base_/datasets/mfnet_packed.py), one modality:
# SelectModality in place of ConcatInfrared (the visible image; the infrared
# and rgbt configs replace the pipelines) and the segmentation metric alone,
# as there is no fused image.
_base_ = ['../../../../../configs/_base_/datasets/mfnet_packed.py']
modality = 'visible'
crop_size = (360, 360)
train_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='PhotoMetricDistortion'),
    dict(type='SelectModality', modality=modality),
    dict(
        type='RandomResize',
        scale=(640, 480),
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
val_evaluator = dict(
    _delete_=True,
    type='MultiProtocolIoUMetric',
    protocols=dict(all=[], no_unlabeled=['unlabeled']))
test_evaluator = val_evaluator
