# segmif_alt8r whose first round trains the fusion network on the fusion
# loss alone ('fusion_only': no segmentation loss through a randomly
# initialised decode head), as the authors' code does; rounds 2-8 as usual.
_base_ = ['./segmif_alt8r.py']
num_rounds = 8
fusion_iters = 5000
train_cfg = dict(phases=[
    dict(phase='fusion_only', iters=[fusion_iters] + [0] * (num_rounds - 1)),
    dict(phase='fusion', iters=[0] + [fusion_iters] * (num_rounds - 1)),
    dict(phase='seg', iters=10000),
])
