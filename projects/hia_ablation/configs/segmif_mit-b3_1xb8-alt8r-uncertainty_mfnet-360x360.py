# Task weighting on MFNet, uncertainty weighting (Kendall et al., CVPR
# 2018): L = exp(-s_f) L_f + s_f + exp(-s_s) L_s + s_s with learnable
# log-variances, trained by the fusion optimizer in the fusion phases.
_base_ = ['../../../configs/segmif/segmif_mit-b3_1xb8-alt8r_mfnet-360x360.py']
custom_imports = dict(
    imports=['segmif_mm', 'projects.hia_ablation.hia_ablation'],
    allow_failed_imports=False)
model = dict(
    type='SegMiFUncertaintyWeighting',
    task_weighting=dict(type='UncertaintyTaskWeighting', init_log_var=0.0))
custom_hooks = []
