# Stock SegFormer on the visible images of the procedural demo data, sized
# for a CPU: the tiny MiT of configs/segmif_demo.py (16-dim first stage, one
# layer per stage, no pretrained weights), 300 iterations of batch 4.
# Generate the data with tools/misc/make_demo_data.py.
_base_ = [
    './_base_/models/segformer_mit-b3.py',
    '../../../configs/_base_/datasets/segmif_demo.py',
    './_base_/default_runtime.py', './_base_/schedules/schedule_80k.py'
]
modality = 'visible'
crop_size = (96, 96)
max_iters = 300
warmup_iters = 50
norm_cfg = dict(type='BN', requires_grad=True)
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
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        init_cfg=None,
        embed_dims=16,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 2, 4, 8],
        drop_path_rate=0.0),
    decode_head=dict(
        in_channels=[16, 32, 64, 128],
        channels=64,
        num_classes=4,
        norm_cfg=norm_cfg))
train_dataloader = dict(
    batch_size=4, num_workers=2, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
env_cfg = dict(cudnn_benchmark=False)

optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.05,
        begin=0,
        end=warmup_iters,
        by_epoch=False),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=warmup_iters,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
val_evaluator = dict(
    type='MultiProtocolIoUMetric',
    protocols=dict(all=[], no_background=['background']))
test_evaluator = val_evaluator
