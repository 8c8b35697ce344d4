# MSRS: 640x480 RGB-T road scenes, 9 classes (1,083 train / 361 test).
# MSRS is built from MFNet's scenes with MFNet's classes: mfnet.py's
# pipelines, loaders and metrics on MSRS's folders.
_base_ = './mfnet.py'
dataset_type = 'MSRSDataset'
data_root = 'data/MSRS'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='train/vi',
            ir_path='train/ir',
            seg_map_path='train/Segmentation_labels')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='test/vi',
            ir_path='test/ir',
            seg_map_path='test/Segmentation_labels')))
test_dataloader = val_dataloader
