# Stock SegFormer (MiT-B3) trained and tested on MFNet's visible images only
# (original 4-channel release; train+val / test): the "Visible" row of the
# paper's Table 1. SegMiF's MFNet data pipeline with SelectModality in place
# of ConcatInfrared, its crop, batch and metric protocols; SegMiF's
# segmentation schedule as one 80k-iteration run.
_base_ = [
    '../../../configs/_base_/models/segformer_mit-b3.py',
    './_base_/datasets/mfnet_packed.py', './_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_80k.py'
]
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=9))
