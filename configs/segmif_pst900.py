# Short alias: python tools/train.py configs/segmif_pst900.py
_base_ = ['./segmif/segmif_mit-b3_1xb8-alt8r_pst900-360x360.py']
