# SegMiF on the procedural demo data, sized for a CPU: a MiT with 16-dim first
# stage and one layer per stage (no pretrained weights), a 16-channel fusion
# head and the 3-round demo schedule. Generate the data with
# tools/misc/make_demo_data.py.
_base_ = [
    '../_base_/models/segmif_mit-b0.py', '../_base_/datasets/segmif_demo.py',
    '../_base_/default_runtime.py', '../_base_/schedules/segmif_alt3r_demo.py'
]
crop_size = (96, 96)
norm_cfg = dict(type='BN', requires_grad=True)
hia_cfg = dict(
    type='HierarchicalInteractiveAttention',
    channels=16,
    num_heads=4,
    context_scale='cosine',
    context_axis='key',
    temperature_init=10.0)
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
val_dataloader = dict(num_workers=1)
test_dataloader = dict(num_workers=1)
env_cfg = dict(cudnn_benchmark=False)
