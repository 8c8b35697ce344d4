# The shipped SegMiF Swin UPerNet (configs/_base_/models/
# segmif_swin-t_upernet.py) shrunk for CPU tests: Swin with one block per
# stage and 12-96 channels, 16-channel UPerHead, 8-channel fusion head, BN,
# random weights, 4 demo classes. Tests set `data_root`.
_base_ = [
    '../../configs/_base_/models/segmif_swin-t_upernet.py',
    '../../configs/_base_/datasets/segmif_demo.py'
]
default_scope = 'mmseg'
custom_imports = dict(imports=['segmif_mm'], allow_failed_imports=False)
norm_cfg = dict(type='BN', requires_grad=True)
hia_cfg = dict(
    type='HierarchicalInteractiveAttention', channels=8, num_heads=2)
model = dict(
    backbone=dict(
        embed_dims=12,
        depths=[1, 1, 1, 1],
        num_heads=[1, 2, 2, 4],
        drop_path_rate=0.0,
        init_cfg=None),
    decode_head=dict(
        in_channels=[12, 24, 48, 96],
        channels=16,
        dropout_ratio=0.0,
        num_classes=4,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=48,
        channels=8,
        dropout_ratio=0.0,
        num_classes=4,
        norm_cfg=norm_cfg),
    fusion_head=dict(
        channels=8, growth=4, dilations=(1, 2), hia_cfgs=[hia_cfg, hia_cfg]))
