# segmif_alt8r with the paper's wording of the segmentation warm start taken
# literally: hold lr 1e-6 for 3k iterations, then jump to 8e-5 (poly decay).
_base_ = ['./segmif_alt8r.py']
num_rounds = 8
seg_iters = 10000
seg_warmup_iters = 3000
param_scheduler = dict(seg=[
    dict(
        type='ConstantLR',
        factor=1e-6 / 8e-5,
        begin=0,
        end=seg_warmup_iters,
        by_epoch=False),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=seg_warmup_iters,
        end=num_rounds * seg_iters,
        by_epoch=False)
])
