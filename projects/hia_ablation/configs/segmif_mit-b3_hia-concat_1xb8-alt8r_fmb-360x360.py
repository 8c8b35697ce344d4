# Table 3 on FMB, "Concatenate": f_x' = conv1x1(cat(f_x, f_seg)).
# SegMiF's FMB config with the model base of this variant: only the
# fusion head differs (checked in tests/test_projects).
_base_ = [
    '../../../configs/_base_/models/hia_variants/segmif_mit-b3_hia-concat.py',
    '../../../configs/_base_/datasets/fmb.py',
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/segmif_alt8r.py'
]
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=15))
