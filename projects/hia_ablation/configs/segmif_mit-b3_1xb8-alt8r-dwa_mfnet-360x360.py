# Task weighting on MFNet, DWA (Liu et al., CVPR 2019): eq. 9 with
# eta_i = K = 2 and T = 2, the losses averaged over one epoch
# (1176 pairs / batch 8 = 147 iterations) as in DWA.
_base_ = ['../../../configs/segmif/segmif_mit-b3_1xb8-alt8r_mfnet-360x360.py']
custom_hooks = [
    dict(
        type='DynamicTaskWeightHook',
        temperature=2.0,
        etas=dict(fusion=2.0, seg=2.0),
        window=147)
]
