# SegMiF with mmseg's UPerNet-Swin segmentation network: Swin-T (patch 4,
# window 7, as mmseg's swin-tiny upernet config), UPerHead and an FCN
# auxiliary head. The fusion head and its guidance (Swin stages 1-2, 96 and
# 192 channels, taken from the backbone) are those of segmif_mit-b0.py.
# ImageNet weights: an mmseg-format Swin-T checkpoint in pretrain/ (convert
# the original release with mmseg's swin2mmseg.py; see the README).
_base_ = ['./segmif_convnext-t_upernet.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='SwinTransformer',
        pretrain_img_size=224,
        embed_dims=96,
        patch_size=4,
        window_size=7,
        mlp_ratio=4,
        depths=[2, 2, 6, 2],
        num_heads=[3, 6, 12, 24],
        strides=(4, 2, 2, 2),
        out_indices=(0, 1, 2, 3),
        qkv_bias=True,
        qk_scale=None,
        patch_norm=True,
        drop_rate=0.,
        attn_drop_rate=0.,
        drop_path_rate=0.3,
        use_abs_pos_embed=False,
        act_cfg=dict(type='GELU'),
        norm_cfg=dict(type='LN', requires_grad=True),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrain/swin_tiny_patch4_window7_224.pth')))
