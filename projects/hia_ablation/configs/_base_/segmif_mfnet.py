# SegMiF's MFNet setting without its model (data, runtime and schedule of
# configs/segmif/segmif_mit-b3_1xb8-alt8r_mfnet-360x360.py). Each HIA variant
# adds its model base (configs/_base_/models/hia_variants/) and the MFNet
# head size.
_base_ = [
    '../../../../configs/_base_/datasets/mfnet_packed.py',
    '../../../../configs/_base_/default_runtime.py',
    '../../../../configs/_base_/schedules/segmif_alt8r.py'
]
