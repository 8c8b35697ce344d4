# Stock SegFormer (MiT-B3) trained and tested on MFNet's visible images only
# (original 4-channel release; train+val / test): the "Visible" row of the
# paper's Table 1. SegMiF's MFNet data pipeline with SelectModality in place
# of ConcatInfrared, its crop, batch and metric protocols; SegMiF's
# segmentation schedule as one 80k-iteration run.
_base_ = [
    './_base_/models/segformer_mit-b3.py',
    '../../../configs/_base_/datasets/mfnet_packed.py',
    './_base_/default_runtime.py', './_base_/schedules/schedule_80k.py'
]
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
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=9))
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='MultiProtocolIoUMetric',
    protocols=dict(all=[], no_unlabeled=['unlabeled']))
test_evaluator = val_evaluator
