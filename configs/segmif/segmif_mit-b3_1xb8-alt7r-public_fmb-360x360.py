# FMB with the schedule of the authors' public code (7 rounds, 6k then 4k
# fusion iterations, T=1000, eta 0.4/0.8), to compare with their released
# numbers. The paper's schedule is segmif_mit-b3_1xb8-alt8r_fmb-360x360.py.
_base_ = [
    '../_base_/models/segmif_mit-b3.py', '../_base_/datasets/fmb.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/segmif_alt7r_public.py'
]
crop_size = (360, 360)
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=15))
