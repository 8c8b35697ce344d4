# MFNet, original release (4-channel PNGs): train+val 1,176 / test 393.
# mfnet.py's pipelines, loaders and metrics; the images and labels are read
# from the release's images/ and labels/ folders with its split lists.
_base_ = './mfnet.py'
dataset_type = 'MFNetPackedDataset'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file=['train.txt', 'val.txt'],
        data_prefix=dict(
            img_path='images', ir_path='images', seg_map_path='labels')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file='test.txt',
        data_prefix=dict(
            img_path='images', ir_path='images', seg_map_path='labels')))
test_dataloader = val_dataloader
