# SegMiF Table 3 ablation, M4: full HIA (SoAM + MoAM), the default model.
# Built on MiT-B3 (the paper's setting); inherit another segmif_mit-b*.py to
# ablate with a different backbone.
_base_ = ['../segmif_mit-b3.py']
# the base model's HIA (its context form), with the variant's attentions
hia_cfg = dict(
    _base_.model.fusion_head.hia_cfgs[0], use_soam=True, use_moam=True)
model = dict(fusion_head=dict(hia_cfgs=[hia_cfg, hia_cfg]))
