# The stock SegFormer (MiT-B3) of configs/_base_/models/segformer_mit-b3.py
# on fused images: LoadImageFromFile reads them as B, G, R, so the data
# preprocessor swaps them to R, G, B before ImageNet's normalisation.
_base_ = ['../../../../../configs/_base_/models/segformer_mit-b3.py']
data_preprocessor = dict(bgr_to_rgb=True)
model = dict(data_preprocessor=data_preprocessor)
