# Fusion-then-segment on MFNet: stock SegFormer (MiT-B3) trained and tested on
# fused images (of SegMiF via tools/fuse.py, or of any other method) with
# MFNet's labels and SegMiF's metric protocols; SegMiF's segmentation schedule
# as one 80k-iteration run, as the paper trains its fusion-based competitors
# (Table 1). Set FUSED_ROOT to the folder with train/ and test/ fused images.
_base_ = [
    './_base_/models/segformer_mit-b3.py', './_base_/datasets/fused_mfnet.py',
    './_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_80k.py'
]
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=9))
