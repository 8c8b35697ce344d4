# SegMiF on FMB, paper settings: MiT-B3 (ImageNet-pretrained, see README),
# crop 360x360, batch 8, 8 rounds of 5k fusion + 10k segmentation iterations.
# FMB's test split has no bicycle pixels, hence protocol (c).
_base_ = [
    '../_base_/models/segmif_mit-b3.py', '../_base_/datasets/fmb.py',
    '../_base_/default_runtime.py', '../_base_/schedules/segmif_alt8r.py'
]
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=15))
train_dataloader = dict(batch_size=8)
val_evaluator = [
    dict(
        type='MultiProtocolIoUMetric',
        protocols=dict(
            all=[],
            no_unlabeled=['unlabeled'],
            fmb=['unlabeled', 'bicycle'])),
    dict(type='FusionQualityMetric'),
]
test_evaluator = val_evaluator
