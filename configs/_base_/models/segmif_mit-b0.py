# SegMiF with a MiT-B0 backbone. Inputs are 4-channel (R, G, B, IR) images in
# [0, 1]; SegMiF normalises the backbone input itself (backbone_mean/std).
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='MultiModalDataPreProcessor', pad_val=0, seg_pad_val=255)
model = dict(
    type='SegMiF',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    guidance_source='visible',
    guidance_grad=False,
    backbone_mean=(0.485, 0.456, 0.406),
    backbone_std=(0.229, 0.224, 0.225),
    backbone=dict(
        type='MixVisionTransformer',
        init_cfg=dict(type='Pretrained', checkpoint='pretrain/mit_b0.pth'),
        in_channels=3,
        embed_dims=32,
        num_stages=4,
        num_layers=[2, 2, 2, 2],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1),
    # SegformerHead's weights and outputs, with the 1x1 fusion applied per
    # level before upsampling (less memory and FLOPs; see its docstring).
    decode_head=dict(
        type='LowResFusionSegformerHead',
        in_channels=[32, 64, 160, 256],
        in_index=[0, 1, 2, 3],
        channels=256,
        dropout_ratio=0.1,
        num_classes=9,  # set per dataset: 9 MFNet/MSRS, 15 FMB, 5 PST900
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0,
            avg_non_ignore=True)),
    fusion_head=dict(
        type='DRDBFusionHead',
        channels=64,
        growth=32,
        dilations=(2, 2, 2, 2, 2),
        num_blocks=1,
        # HIA contexts softmax_key(tau * cosine(K, V)), tau_0 = 10: not
        # uniform at initialisation at any image size (docs/fusion_real.md
        # section 3); the shipped fusion weights use the same form.
        hia_cfgs=[
            dict(
                type='HierarchicalInteractiveAttention',
                channels=64,
                num_heads=8,
                use_soam=True,
                use_moam=True,
                context_scale='cosine',
                context_axis='key',
                temperature_init=10.0),
            dict(
                type='HierarchicalInteractiveAttention',
                channels=64,
                num_heads=8,
                use_soam=True,
                use_moam=True,
                context_scale='cosine',
                context_axis='key',
                temperature_init=10.0),
        ]),
    # L_f = L_SSIM + 10 L_MSE + 100 L_grad with Ma's VSM rule: each term
    # gets a share of the gradient (measured on RoadScene,
    # docs/fusion_real.md); the paper gives no weights besides eta.
    fusion_loss=dict(
        type='FusionLoss',
        pixel_cfg=dict(
            type='SaliencyPixelLoss', weight_rule='ma', loss_weight=10.0),
        eta=100.0),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
