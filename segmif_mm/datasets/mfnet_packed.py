"""MFNet dataset in its original release format (4-channel PNGs)."""
from typing import Sequence, Union

from mmseg.registry import DATASETS
from .mfnet import MFNET_METAINFO
from .multimodal_dataset import MultiModalSegDataset


@DATASETS.register_module()
class MFNetPackedDataset(MultiModalSegDataset):
    """MFNet (Ha et al., IROS 2017) as released by its authors.

    Each frame is ONE 4-channel PNG whose channels are R, G, B, thermal;
    the split files list names without suffix::

        data/MFNet/images/<name>.png   R, G, B, thermal (uint8)
        data/MFNet/labels/<name>.png   class ids 0-8
        data/MFNet/{train,val,test}.txt

    ``img_path`` and ``ir_path`` of a sample are the same file, which tells
    ``LoadMultiModalImages`` to split it. The common protocol trains on
    ``ann_file=['train.txt', 'val.txt']`` (1,176 frames) and tests on
    ``test.txt`` (393 frames).

    Args:
        ann_file (str | Sequence[str]): Split file(s) relative to
            ``data_root``. Defaults to ``['train.txt', 'val.txt']``.
        data_prefix (dict): Folders relative to ``data_root``; ``img_path``
            and ``ir_path`` must be equal. Defaults to
            ``dict(img_path='images', ir_path='images',
            seg_map_path='labels')``.
        **kwargs: Other arguments of :class:`MultiModalSegDataset`.

    Raises:
        ValueError: ``data_prefix`` gives different image and infrared
            folders.
    """
    METAINFO = MFNET_METAINFO

    def __init__(self,
                 ann_file: Union[str,
                                 Sequence[str]] = ('train.txt', 'val.txt'),
                 data_prefix: dict = dict(
                     img_path='images',
                     ir_path='images',
                     seg_map_path='labels'),
                 **kwargs) -> None:
        if data_prefix.get('ir_path') != data_prefix.get('img_path'):
            raise ValueError(
                'MFNetPackedDataset reads visible and thermal from the same '
                '4-channel PNG, so data_prefix.ir_path must equal '
                f'data_prefix.img_path, got {data_prefix}. For one folder per '
                'modality use MFNetDataset.')
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)
