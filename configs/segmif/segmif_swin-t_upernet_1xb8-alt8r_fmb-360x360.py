# SegMiF on FMB with a Swin-T UPerNet instead of the paper's MiT-B3
# SegFormer; everything else as segmif_mit-b3_1xb8-alt8r_fmb-360x360.
_base_ = [
    '../_base_/models/segmif_swin-t_upernet.py', '../_base_/datasets/fmb.py',
    '../_base_/default_runtime.py', '../_base_/schedules/segmif_alt8r.py'
]
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=15),
    auxiliary_head=dict(num_classes=15))
# As mmseg's Swin configs: no weight decay on the position bias tables.
optim_wrapper = dict(
    seg=dict(
        paramwise_cfg=dict(
            custom_keys=dict(
                absolute_pos_embed=dict(decay_mult=0.),
                relative_position_bias_table=dict(decay_mult=0.)))))
