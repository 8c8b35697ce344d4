"""FMB (Full-time Multi-modality Benchmark) dataset."""
from mmseg.registry import DATASETS
from .multimodal_dataset import MultiModalSegDataset


@DATASETS.register_module()
class FMBDataset(MultiModalSegDataset):
    """FMB: 1,500 registered 800x600 visible/infrared street scenes.

    Released with SegMiF (Liu et al., ICCV 2023): 1,220 train / 280 test
    pairs, 14 classes plus ``unlabeled`` (id 0). Layout::

        data/FMB/{train,test}/Visible/<name>.png   visible RGB
        data/FMB/{train,test}/Infrared/<name>.png  infrared
        data/FMB/{train,test}/Label/<name>.png     class ids 0-14

    The ``color/`` folder of the release holds colour-coded labels for
    viewing; never use it as ``seg_map_path``. The palette is the one of
    those colour-coded labels.

    Args:
        data_prefix (dict): Folders relative to ``data_root``. Defaults to
            the train split.
        **kwargs: Other arguments of :class:`MultiModalSegDataset`.
    """
    METAINFO = dict(
        classes=('unlabeled', 'road', 'sidewalk', 'building', 'traffic lamp',
                 'traffic sign', 'vegetation', 'sky', 'person', 'car', 'truck',
                 'bus', 'motorcycle', 'bicycle', 'pole'),
        palette=[[0, 0, 0], [228, 228, 179], [133, 57, 181], [177, 162, 67],
                 [50, 178, 200], [199, 45, 132], [84, 172, 66], [79, 73, 179],
                 [166, 99, 76], [253, 121, 66], [91, 165, 137], [152, 97, 155],
                 [140, 153, 105], [158, 215, 222], [90, 113, 135]])

    def __init__(self,
                 data_prefix: dict = dict(
                     img_path='train/Visible',
                     ir_path='train/Infrared',
                     seg_map_path='train/Label'),
                 **kwargs) -> None:
        super().__init__(data_prefix=data_prefix, **kwargs)
