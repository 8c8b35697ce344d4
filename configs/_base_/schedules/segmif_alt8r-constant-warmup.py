# segmif_alt8r with the paper's wording of the segmentation warm start taken
# literally: hold lr 1e-6 for 3k iterations, then jump to 8e-5 (poly decay).
_base_ = ['./segmif_alt8r.py']
param_scheduler = dict(seg=[
    dict(
        type='ConstantLR',
        factor=1e-6 / 8e-5,
        begin=0,
        end=_base_.seg_warmup_iters,
        by_epoch=False),
    _base_.param_scheduler.seg[1],
])
