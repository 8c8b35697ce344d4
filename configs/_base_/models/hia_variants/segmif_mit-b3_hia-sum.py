# SegMiF Table 3 ablation, "Summation": f_x' = f_x + f_seg.
# Built on MiT-B3 (the paper's setting); inherit another segmif_mit-b*.py to
# ablate with a different backbone.
_base_ = ['../segmif_mit-b3.py']
hia_cfg = dict(type='SumAggregation')
model = dict(fusion_head=dict(hia_cfgs=[hia_cfg, hia_cfg]))
