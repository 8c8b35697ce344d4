# Stock SegFormer on the infrared images of the demo data (replicated to
# three channels), sized for a CPU like the visible demo config.
_base_ = ['./segformer_mit-tiny_1xb4-300_demo-visible-96x96.py']
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
