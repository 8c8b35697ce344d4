# Table 3 on FMB, M2: HIA with MoAM only.
# SegMiF's FMB config with the fusion head of
# configs/_base_/models/hia_variants/segmif_mit-b3_hia-m2.py at both
# scales (tests/test_projects checks that the two agree).
_base_ = ['../../../configs/segmif/segmif_mit-b3_1xb8-alt8r_fmb-360x360.py']
hia_cfg = dict(
    type='HierarchicalInteractiveAttention',
    channels=64,
    num_heads=8,
    use_soam=False,
    use_moam=True)
model = dict(fusion_head=dict(hia_cfgs=[hia_cfg, hia_cfg]))
