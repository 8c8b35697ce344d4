# Table 3 on MFNet, "Summation": f_x' = f_x + f_seg.
# SegMiF's MFNet config (./_base_/segmif_mfnet.py) with the model base of this
# variant: only the fusion head differs (checked in tests/test_projects).
_base_ = [
    '../../../configs/_base_/models/hia_variants/segmif_mit-b3_hia-sum.py',
    './_base_/segmif_mfnet.py'
]
model = dict(
    data_preprocessor=dict(size=_base_.crop_size),
    decode_head=dict(num_classes=9))
