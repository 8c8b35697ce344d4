# Short alias: the README's main job (tools/run_demo.py) trains this config.
_base_ = ['./segmif/segmif_mit-tiny_1xb4-alt3r_demo-96x96.py']
