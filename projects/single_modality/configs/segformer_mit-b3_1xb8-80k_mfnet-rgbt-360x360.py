# Stock SegFormer (MiT-B3) on MFNet's 4-channel early-fusion input (R, G, B,
# IR). The pretrained RGB stem is inflated to four input channels (segmif_mm's
# InflatedPretrained init); the infrared channel is normalised with the mean
# of ImageNet's RGB means and stds.
_base_ = ['./segformer_mit-b3_1xb8-80k_mfnet-visible-360x360.py']
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
    backbone=dict(in_channels=4, init_cfg=dict(type='InflatedPretrained')))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
