# A tiny SegMiF (MiT with 16 channels, one layer and one head per stage;
# fusion head with 8 channels and two-layer DRDBs) for fast CPU tests of the
# tools and APIs. Random
# weights: no pretrained checkpoint. Tests set `data_root`.
default_scope = 'mmseg'
custom_imports = dict(imports=['segmif_mm'], allow_failed_imports=False)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='SegMiF',
    data_preprocessor=dict(type='MultiModalDataPreProcessor'),
    backbone=dict(
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=16,
        num_stages=4,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 1, 1, 1],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=2,
        init_cfg=dict(type='Pretrained', checkpoint='pretrain/mit_tiny.pth')),
    decode_head=dict(
        type='LowResFusionSegformerHead',
        in_channels=[16, 16, 16, 16],
        in_index=[0, 1, 2, 3],
        channels=16,
        dropout_ratio=0.1,
        num_classes=4,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    fusion_head=dict(
        type='DRDBFusionHead',
        channels=8,
        growth=4,
        dilations=(1, 2),
        hia_cfgs=[
            dict(
                type='HierarchicalInteractiveAttention',
                channels=8,
                num_heads=2)
        ] * 2),
    fusion_loss=dict(type='FusionLoss'),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
meta_keys = ('img_path', 'ir_path', 'seg_map_path', 'ori_shape', 'img_shape',
             'pad_shape', 'scale_factor', 'flip', 'flip_direction',
             'reduce_zero_label')
test_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='LoadMultiModalAnnotations'),
    dict(type='ConcatInfrared'),
    dict(type='PackSegInputs', meta_keys=meta_keys)
]
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SegMiFDemoDataset',
        data_root='data/segmif_demo',
        data_prefix=dict(
            img_path='test/vi', ir_path='test/ir', seg_map_path='test/labels'),
        pipeline=test_pipeline))
