"""MFNet dataset stored as separate visible/infrared/label folders."""
from mmseg.registry import DATASETS
from .multimodal_dataset import MultiModalSegDataset

MFNET_METAINFO = dict(
    classes=('unlabeled', 'car', 'person', 'bike', 'curve', 'car_stop',
             'guardrail', 'color_cone', 'bump'),
    palette=[[0, 0, 0], [64, 0, 128], [64, 64, 0], [0, 128, 192], [0, 0, 192],
             [128, 128, 0], [64, 64, 128], [192, 128, 128], [192, 64, 0]])


@DATASETS.register_module()
class MFNetDataset(MultiModalSegDataset):
    """MFNet (Ha et al., IROS 2017) unpacked into one folder per modality.

    1,569 registered 640x480 road scenes, 8 classes plus ``unlabeled``
    (id 0); palette of the MFNet/MSRS visualisation tools. This class reads
    the pairs after they were split out of the original 4-channel PNGs
    (for the original release use :class:`MFNetPackedDataset`)::

        data/MFNet/{train,test}/visible/<name>.png   visible RGB
        data/MFNet/{train,test}/infrared/<name>.png  thermal
        data/MFNet/{train,test}/labels/<name>.png    class ids 0-8

    Args:
        data_prefix (dict): Folders relative to ``data_root``. Defaults to
            the train split.
        **kwargs: Other arguments of :class:`MultiModalSegDataset`.
    """
    METAINFO = MFNET_METAINFO

    def __init__(self,
                 data_prefix: dict = dict(
                     img_path='train/visible',
                     ir_path='train/infrared',
                     seg_map_path='train/labels'),
                 **kwargs) -> None:
        super().__init__(data_prefix=data_prefix, **kwargs)
