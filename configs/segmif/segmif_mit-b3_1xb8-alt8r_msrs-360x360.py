# SegMiF on MSRS (MFNet-derived, registered), paper settings.
_base_ = [
    '../_base_/models/segmif_mit-b3.py', '../_base_/datasets/msrs.py',
    '../_base_/default_runtime.py', '../_base_/schedules/segmif_alt8r.py'
]
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=9))
