from .builder import build_split_dataset
from .dataset_check import (DatasetCheck, DatasetCheckError, check_dataset,
                            check_sample, leaf_datasets)
from .file_pairing import IMAGE_SUFFIXES, Matching, list_images, match_by_name
from .fmb import FMBDataset
from .fusion_pair_dataset import FusionPairDataset
from .mfnet import MFNetDataset
from .mfnet_packed import MFNetPackedDataset
from .msrs import MSRSDataset
from .multimodal_dataset import MultiModalSegDataset
from .pst900 import PST900Dataset
from .segmif_demo import SegMiFDemoDataset
from .split_file import read_split_file
from .transforms import (ConcatInfrared, GenerateSaliencyMaps,
                         LoadMultiModalAnnotations, LoadMultiModalImages,
                         LoadMultiModalImagesFromNDArray, PackFusionSegInputs,
                         RandomGrayscaleVisible, RandomInfraredContrast,
                         RandomInfraredExposure, RandomInfraredNoise,
                         RandomVisibleExposure)

__all__ = [
    'MultiModalSegDataset', 'FusionPairDataset', 'FMBDataset', 'MFNetDataset',
    'MFNetPackedDataset', 'MSRSDataset', 'PST900Dataset', 'SegMiFDemoDataset',
    'ConcatInfrared', 'LoadMultiModalAnnotations', 'LoadMultiModalImages',
    'LoadMultiModalImagesFromNDArray', 'GenerateSaliencyMaps',
    'PackFusionSegInputs', 'RandomGrayscaleVisible', 'RandomVisibleExposure',
    'RandomInfraredContrast', 'RandomInfraredExposure', 'RandomInfraredNoise',
    'DatasetCheck', 'DatasetCheckError', 'check_dataset', 'check_sample',
    'leaf_datasets', 'IMAGE_SUFFIXES', 'Matching', 'list_images',
    'match_by_name', 'read_split_file', 'build_split_dataset'
]
