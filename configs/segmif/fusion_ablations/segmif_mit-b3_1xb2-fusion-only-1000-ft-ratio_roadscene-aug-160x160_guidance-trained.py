# Ablation arm "guidance trained, longer": 1,000 more 'fusion_only'
# iterations of the 2,000-iteration out-of-domain recipe from the shipped
# 2,700-iteration weights, with MiT-B3 stages 1-2 (HIA's guidance) trained
# through the fusion loss with the fusion head instead of staying frozen
# (docs/fusion_real.md section 8 measured this on 500 iterations).
_base_ = [
    '../segmif_mit-b3_1xb2-fusion-only-2000-ft-ratio_roadscene-aug-160x160.py'
]
fusion_iters = 1000
load_from = 'checkpoints/segmif_fusion_mit-b3_roadscene-aug-2700it_fp16.pth'
model = dict(
    guidance_grad=True,
    task_modules=dict(
        fusion=('fusion_head', 'backbone'),
        seg=('neck', 'decode_head', 'auxiliary_head')))
train_cfg = dict(phases=[dict(phase='fusion_only', iters=fusion_iters)])
param_scheduler = dict(fusion=[
    dict(type='PolyLR', eta_min=1e-7, end=fusion_iters, by_epoch=False)
])
