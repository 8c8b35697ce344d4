# Task weighting on FMB, fixed weights: no DynamicTaskWeightHook, so
# eq. 7 keeps SegMiF's constant task_weights, lambda_1 = lambda_2 = 1.
_base_ = ['../../../configs/segmif/segmif_mit-b3_1xb8-alt8r_fmb-360x360.py']
custom_hooks = []
