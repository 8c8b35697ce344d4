# Table 3 on FMB, "Concatenate": f_x' = conv1x1(cat(f_x, f_seg)).
# SegMiF's FMB config (./_base_/segmif_fmb.py) with the model base of this
# variant: only the fusion head differs (checked in tests/test_projects).
_base_ = [
    '../../../configs/_base_/models/hia_variants/segmif_mit-b3_hia-concat.py',
    './_base_/segmif_fmb.py'
]
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(num_classes=15))
