# SegMiF on FMB with a ConvNeXt-T (mmpretrain) UPerNet instead of the paper's
# MiT-B3 SegFormer; everything else as segmif_mit-b3_1xb8-alt8r_fmb-360x360.
_base_ = [
    '../_base_/models/segmif_convnext-t_upernet.py',
    '../_base_/datasets/fmb.py', '../_base_/default_runtime.py',
    '../_base_/schedules/segmif_alt8r.py'
]
custom_imports = dict(
    imports=['segmif_mm', 'segmif_mm.models.mmpretrain_models'],
    allow_failed_imports=False)
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=15),
    auxiliary_head=dict(num_classes=15))
