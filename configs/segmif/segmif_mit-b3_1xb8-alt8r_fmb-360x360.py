# SegMiF on FMB, paper settings: MiT-B3 (ImageNet-pretrained, see README),
# crop 360x360, batch 8, 8 rounds of 5k fusion + 10k segmentation iterations.
_base_ = [
    '../_base_/models/segmif_mit-b3.py', '../_base_/datasets/fmb.py',
    '../_base_/default_runtime.py', '../_base_/schedules/segmif_alt8r.py'
]
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=15))
