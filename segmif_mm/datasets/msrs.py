"""MSRS (Multi-Spectral Road Scenarios) dataset."""
from mmseg.registry import DATASETS
from .mfnet import MFNET_METAINFO
from .multimodal_dataset import MultiModalSegDataset


@DATASETS.register_module()
class MSRSDataset(MultiModalSegDataset):
    """MSRS (Tang et al., PIAFusion, Information Fusion 2022).

    1,444 well-registered 640x480 pairs selected from MFNet with enhanced
    infrared images (1,083 train / 361 test), same 9 classes and palette
    as MFNet. Names end in ``D`` (day) or ``N`` (night)::

        data/MSRS/{train,test}/vi/<name>.png                   visible RGB
        data/MSRS/{train,test}/ir/<name>.png                   infrared
        data/MSRS/{train,test}/Segmentation_labels/<name>.png  ids 0-8

    Args:
        data_prefix (dict): Folders relative to ``data_root``. Defaults to
            the train split.
        **kwargs: Other arguments of :class:`MultiModalSegDataset`.
    """
    METAINFO = MFNET_METAINFO

    def __init__(self,
                 data_prefix: dict = dict(
                     img_path='train/vi',
                     ir_path='train/ir',
                     seg_map_path='train/Segmentation_labels'),
                 **kwargs) -> None:
        super().__init__(data_prefix=data_prefix, **kwargs)
