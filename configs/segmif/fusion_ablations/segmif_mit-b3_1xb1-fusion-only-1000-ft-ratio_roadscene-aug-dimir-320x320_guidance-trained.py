# The "dim infrared" arm with four times the context per crop and at most
# the pixels in all of the 2,000-iteration arm: 1,000 iterations of batch 1
# at 320x320 instead of 2,000 of batch 2 at 160x160 (the lr poly-decayed over
# the 1,000), from the shipped 2,700-iteration weights. The VSM weights of
# the loss come from the whole image; a larger crop shows the network more
# of what set them. Images whose short side is resized below 320 (about
# half) keep that side in their crop (batch 1 needs no padding: size_divisor
# 1). Validated every 250 iterations on the pairs of other sensors.
_base_ = [
    './segmif_mit-b3_1xb2-fusion-only-1000-ft-ratio_'
    'roadscene-aug-dimir-160x160_guidance-trained.py'
]
crop_size = (320, 320)
model = dict(data_preprocessor=dict(size=None, size_divisor=1))
train_pipeline = [
    dict(step, crop_size=crop_size) if step['type'] == 'RandomCrop' else step
    for step in _base_.train_pipeline
]
train_dataloader = dict(batch_size=1, dataset=dict(pipeline=train_pipeline))
train_cfg = dict(val_interval=250)
default_hooks = dict(checkpoint=dict(interval=250))
