# SegMiF on the procedural demo data, sized for a CPU: a MiT with 16-dim first
# stage and one layer per stage (no pretrained weights), a 16-channel fusion
# head, 3 rounds of 40 fusion + 100 segmentation iterations, validation before
# training and after every round. Generate the data with
# tools/misc/make_demo_data.py.
_base_ = [
    '../_base_/models/segmif_mit-b0.py', '../_base_/datasets/segmif_demo.py',
    '../_base_/default_runtime.py', '../_base_/schedules/segmif_alt8r.py'
]
crop_size = (96, 96)
num_rounds = 3
fusion_iters = 40
seg_iters = 100
norm_cfg = dict(type='BN', requires_grad=True)
hia_cfg = dict(
    type='HierarchicalInteractiveAttention', channels=16, num_heads=4)
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
        norm_cfg=norm_cfg),
    fusion_head=dict(channels=16, growth=8, hia_cfgs=[hia_cfg, hia_cfg]))
train_dataloader = dict(batch_size=4, num_workers=2)
val_dataloader = dict(num_workers=1)
test_dataloader = dict(num_workers=1)
env_cfg = dict(cudnn_benchmark=False)

train_cfg = dict(
    num_rounds=num_rounds,
    val_before_train=True,
    phases=[
        dict(phase='fusion', iters=fusion_iters),
        dict(phase='seg', iters=seg_iters),
    ])
optim_wrapper = dict(
    fusion=dict(optimizer=dict(lr=2e-3)), seg=dict(optimizer=dict(lr=2e-3)))
param_scheduler = dict(
    fusion=[
        dict(
            type='PolyLR',
            eta_min=1e-6,
            power=1.0,
            begin=0,
            end=num_rounds * fusion_iters,
            by_epoch=False)
    ],
    seg=[
        dict(
            type='LinearLR',
            start_factor=0.05,
            begin=0,
            end=50,
            by_epoch=False),
        dict(
            type='PolyLR',
            eta_min=0.0,
            power=1.0,
            begin=50,
            end=num_rounds * seg_iters,
            by_epoch=False)
    ])
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=fusion_iters + seg_iters, max_keep_ckpts=1))
custom_hooks = [
    dict(
        type='DynamicTaskWeightHook',
        temperature=2.0,
        etas=dict(fusion=2.0, seg=2.0),
        window=10)
]
val_evaluator = [
    dict(
        type='MultiProtocolIoUMetric',
        protocols=dict(all=[], no_background=['background'])),
    dict(type='FusionQualityMetric'),
]
test_evaluator = val_evaluator
