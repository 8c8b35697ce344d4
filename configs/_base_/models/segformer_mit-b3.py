# Stock MMSeg SegFormer (EncoderDecoder + MixVisionTransformer +
# SegformerHead, as mmseg's configs/_base_/models/segformer_mit-b0.py) with
# SegMiF's segmentation network (segmif_mit-b3.py): MiT-B3 from
# pretrain/mit_b3.pth (mmseg format, see the repository README), a
# 768-channel SegFormer head (SegMiF's LowResFusionSegformerHead has the same
# weights and outputs) and the same loss: the baselines of
# projects/single_modality and projects/fusion_then_segment. Inputs are
# R, G, B images from LoadMultiModalImages (no B/R swap), normalised with
# ImageNet's mean/std.
_base_ = ['./segmif_mit-b3.py']
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    _delete_=True,
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=_base_.model.backbone,
    decode_head=dict(_base_.model.decode_head, type='SegformerHead'),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
