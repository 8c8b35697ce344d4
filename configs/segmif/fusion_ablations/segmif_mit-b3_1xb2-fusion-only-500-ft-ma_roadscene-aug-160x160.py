# Ablation arm "Ma's rule" of docs/fusion_real.md section 8: the
# 500-iteration out-of-domain config with the VSM weights
# m1 = 0.5 + 0.5 (S_vis - S_ir) of Ma et al. instead of the ratio rule. Every
# arm starts from the same weights with the same seed and changes one thing.
_base_ = [
    '../segmif_mit-b3_1xb2-fusion-only-500-ft-ratio_roadscene-aug-160x160.py'
]
model = dict(fusion_loss=dict(pixel_cfg=dict(weight_rule='ma')))
