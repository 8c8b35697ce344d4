# Stock SegFormer on the visible images of the procedural demo data, sized
# for a CPU: the tiny MiT of configs/segmif_demo.py (16-dim first stage, one
# layer per stage, no pretrained weights), 300 iterations of batch 4.
# Generate the data with tools/misc/make_demo_data.py.
_base_ = [
    '../../../configs/_base_/models/segformer_mit-b3.py',
    './_base_/datasets/segmif_demo.py', './_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_300.py'
]
crop_size = (96, 96)
norm_cfg = dict(type='BN', requires_grad=True)
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
val_dataloader = dict(num_workers=1)
test_dataloader = val_dataloader
env_cfg = dict(cudnn_benchmark=False)
