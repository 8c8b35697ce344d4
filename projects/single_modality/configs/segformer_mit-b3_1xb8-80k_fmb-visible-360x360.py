# Stock SegFormer (MiT-B3) trained and tested on FMB's visible images only:
# the "Visible" row of the paper's Table 2. SegMiF's FMB data pipeline with
# SelectModality in place of ConcatInfrared, its crop, batch and metric
# protocols; SegMiF's segmentation schedule as one 80k-iteration run.
_base_ = [
    '../../../configs/_base_/models/segformer_mit-b3.py',
    './_base_/datasets/fmb.py', './_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_80k.py'
]
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=15))
