# Stock SegFormer (MiT-B3) on MFNet's infrared images only (replicated to three
# channels for the ImageNet-pretrained MiT): the "Infrared" row of Table 1.
# As in SegMiF's pipeline, PhotoMetricDistortion touches the visible image
# only, so the infrared input is not photometrically distorted.
_base_ = ['./segformer_mit-b3_1xb8-80k_mfnet-visible-360x360.py']
modality = 'infrared'
train_pipeline = [
    dict(transform, modality=modality)
    if transform.type == 'SelectModality' else transform
    for transform in _base_.train_pipeline
]
test_pipeline = [
    dict(transform, modality=modality)
    if transform.type == 'SelectModality' else transform
    for transform in _base_.test_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
