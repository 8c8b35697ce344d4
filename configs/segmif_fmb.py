# Short alias: python tools/train.py configs/segmif_fmb.py
_base_ = ['./segmif/segmif_mit-b3_1xb8-alt8r_fmb-360x360.py']
