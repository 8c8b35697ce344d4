# Stock SegFormer on the 4-channel (R, G, B, IR) demo input, sized for a CPU
# like the visible demo config (four input channels, random init).
_base_ = ['./segformer_mit-tiny_1xb4-300_demo-visible-96x96.py']
modality = 'both'
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
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53, 114.495],
        std=[58.395, 57.12, 57.375, 57.63]),
    backbone=dict(in_channels=4))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
