# The shipped SegMiF ConvNeXt UPerNet (configs/_base_/models/
# segmif_convnext-t_upernet.py) shrunk for CPU tests: ConvNeXt with one block
# per stage and 8-64 channels, 16-channel UPerHead, 8-channel fusion head,
# BN, random weights, 4 demo classes. Tests set `data_root`.
_base_ = [
    '../../configs/_base_/models/segmif_convnext-t_upernet.py',
    '../../configs/_base_/datasets/segmif_demo.py'
]
default_scope = 'mmseg'
custom_imports = dict(
    imports=['segmif_mm', 'segmif_mm.models.mmpretrain_models'],
    allow_failed_imports=False)
norm_cfg = dict(type='BN', requires_grad=True)
hia_cfg = dict(
    type='HierarchicalInteractiveAttention', channels=8, num_heads=2)
model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True, depths=[1, 1, 1, 1], channels=[8, 16, 32, 64]),
        drop_path_rate=0.0,
        init_cfg=None),
    decode_head=dict(
        in_channels=[8, 16, 32, 64],
        channels=16,
        dropout_ratio=0.0,
        num_classes=4,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=32,
        channels=8,
        dropout_ratio=0.0,
        num_classes=4,
        norm_cfg=norm_cfg),
    fusion_head=dict(
        channels=8, growth=4, dilations=(1, 2), hia_cfgs=[hia_cfg, hia_cfg]))
