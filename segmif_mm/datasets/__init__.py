from .builder import build_split_dataset
from .dataset_check import (DatasetCheck, DatasetCheckError, check_dataset,
                            check_sample, leaf_datasets)
from .fmb import FMBDataset
from .fusion_pair_dataset import FusionPairDataset
from .mfnet import MFNetDataset
from .mfnet_packed import MFNetPackedDataset
from .msrs import MSRSDataset
from .multimodal_dataset import MultiModalSegDataset
from .pst900 import PST900Dataset
from .segmif_demo import SegMiFDemoDataset
from .transforms import (ConcatInfrared, LoadMultiModalAnnotations,
                         LoadMultiModalImages, LoadMultiModalImagesFromNDArray)

__all__ = [
    'MultiModalSegDataset', 'FusionPairDataset', 'FMBDataset', 'MFNetDataset',
    'MFNetPackedDataset', 'MSRSDataset', 'PST900Dataset', 'SegMiFDemoDataset',
    'ConcatInfrared', 'LoadMultiModalAnnotations', 'LoadMultiModalImages',
    'LoadMultiModalImagesFromNDArray', 'DatasetCheck', 'DatasetCheckError',
    'check_dataset', 'check_sample', 'leaf_datasets', 'build_split_dataset'
]
