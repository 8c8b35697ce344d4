# Table 3 on MFNet, "Average": f_x' = (f_x + f_seg) / 2.
# SegMiF's MFNet config with the fusion head of
# configs/_base_/models/hia_variants/segmif_mit-b3_hia-average.py at both
# scales (tests/test_projects checks that the two agree).
_base_ = ['../../../configs/segmif/segmif_mit-b3_1xb8-alt8r_mfnet-360x360.py']
hia_cfg = dict(type='AverageAggregation')
model = dict(fusion_head=dict(hia_cfgs=[hia_cfg, hia_cfg]))
