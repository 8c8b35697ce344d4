# Ablation arm "ratio rule": as the augmented arm, with the VSM weights
# m1 = S_vis / (S_vis + S_ir) instead of Ma's rule.
_base_ = ['./segmif_mit-b3_1xb2-fusion-only-500-ft_roadscene-aug-160x160.py']
model = dict(fusion_loss=dict(pixel_cfg=dict(weight_rule='ratio')))
