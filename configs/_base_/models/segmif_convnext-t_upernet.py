# SegMiF with mmseg's UPerNet-ConvNeXt segmentation network: mmpretrain's
# ConvNeXt-T (as mmseg's convnext-tiny_upernet config), UPerHead and an FCN
# auxiliary head. The fusion head and its guidance (ConvNeXt stages 1-2, 96
# and 192 channels, taken from the backbone) are those of segmif_mit-b0.py.
# ImageNet weights: an mmpretrain ConvNeXt-T checkpoint in pretrain/ (keys
# `backbone.*`, hence the prefix; see the README). Leaf configs add
# 'segmif_mm.models.mmpretrain_models' to custom_imports for the backbone.
_base_ = ['./segmif_mit-b0.py']
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.ConvNeXt',
        arch='tiny',
        out_indices=[0, 1, 2, 3],
        drop_path_rate=0.4,
        layer_scale_init_value=1.0,
        gap_before_final_norm=False,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrain/convnext-tiny_in1k.pth',
            prefix='backbone.')),
    # segmif_mit-b0.py's head settings and loss with UPerHead's layers
    decode_head=dict(
        type='UPerHead',
        in_channels=[96, 192, 384, 768],
        pool_scales=(1, 2, 3, 6),
        channels=512),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=384,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=9,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=0.4,
            avg_non_ignore=True)))
