# Ablation arm "guidance trained": as the 500-iteration out-of-domain config,
# but MiT-B3 stages 1-2 (HIA's guidance, a seeded random initialisation)
# train through the fusion loss with the fusion head instead of staying
# frozen.
_base_ = [
    '../segmif_mit-b3_1xb2-fusion-only-500-ft-ratio_roadscene-aug-160x160.py'
]
model = dict(
    guidance_grad=True,
    task_modules=dict(
        fusion=('fusion_head', 'backbone'),
        seg=('neck', 'decode_head', 'auxiliary_head')))
