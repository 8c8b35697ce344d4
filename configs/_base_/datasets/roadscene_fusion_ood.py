# Label-free fusion training that is selected out of domain.
# train: the first 180 RoadScene pairs (one FLIR rig, colour visible), with
#   augmentations for the cameras users have: grey visible, under- and
#   over-exposed visible, low-contrast and noisy thermal, scale and flips;
#   the VSM saliency maps of the fusion loss come from the whole (augmented)
#   images, before cropping.
# val: every pair from OTHER sensors and scenes in ../shared/data/real:
#   VIFB (21 pairs, 7 with a grey visible camera, odd sizes), MSRS objects
#   (6, 640x480) and MFNet (2, packed 4-channel files); every default is
#   chosen on it.
# test: the last 41 RoadScene pairs (roadscene_fusion.py's validation
#   split), never trained on or selected on.
# Augmentation ranges and their measured effect: docs/fusion_real.md.
_base_ = ['./roadscene_fusion.py']
real_root = '../shared/data/real'
train_pipeline = [
    dict(type='LoadMultiModalImages'),
    dict(type='RandomGrayscaleVisible', prob=0.2),
    dict(type='RandomVisibleExposure', prob=0.5),
    dict(type='RandomInfraredContrast', prob=0.5),
    dict(type='RandomInfraredNoise', prob=0.3),
    dict(type='GenerateSaliencyMaps'),
    dict(type='ConcatInfrared'),
    # short side to 165-495 px (RoadScene: 178-358), long side unbounded
    dict(
        type='RandomResize',
        scale=(4096, 330),
        ratio_range=(0.5, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=_base_.crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackFusionSegInputs', meta_keys=_base_.meta_keys)
]
test_pipeline = _base_.test_pipeline
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
test_dataloader = _base_.val_dataloader
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(
                type='FusionPairDataset',
                data_root=f'{real_root}/vifb_pairs',
                data_prefix=dict(img_path='vi', ir_path='ir'),
                pipeline=test_pipeline),
            dict(
                type='FusionPairDataset',
                data_root=f'{real_root}/msrs_objects',
                data_prefix=dict(img_path='vi', ir_path='ir'),
                pipeline=test_pipeline),
            # one packed R, G, B, thermal PNG per frame: both paths are the
            # same file
            dict(
                type='FusionPairDataset',
                data_root=f'{real_root}/mfnet_4ch',
                data_prefix=dict(img_path='', ir_path=''),
                pipeline=test_pipeline),
        ]))
