# SegMiF Table 3 ablation, "Concatenate": f_x' = conv1x1(cat(f_x, f_seg)).
# Built on MiT-B3 (the paper's setting); inherit another segmif_mit-b*.py to
# ablate with a different backbone.
_base_ = ['../segmif_mit-b3.py']
hia_cfg = dict(type='ConcatAggregation', channels=64)
model = dict(fusion_head=dict(hia_cfgs=[hia_cfg, hia_cfg]))
