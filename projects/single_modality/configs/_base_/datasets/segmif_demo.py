# SegMiF's demo data (configs/_base_/datasets/segmif_demo.py), one modality:
# SelectModality in place of ConcatInfrared (the visible image; the infrared
# and rgbt configs set another modality) and the segmentation metric alone,
# as there is no fused image.
_base_ = ['../../../../../configs/_base_/datasets/segmif_demo.py']
modality = 'visible'
train_pipeline = [
    dict(type='SelectModality', modality=modality)
    if transform.type == 'ConcatInfrared' else transform
    for transform in _base_.train_pipeline
]
test_pipeline = [
    dict(type='SelectModality', modality=modality)
    if transform.type == 'ConcatInfrared' else transform
    for transform in _base_.test_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(_base_.val_evaluator[0], _delete_=True)
test_evaluator = val_evaluator
