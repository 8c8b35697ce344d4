"""Fused images of a registered RGB-T dataset with the dataset's labels."""
import copy
from typing import List, Optional

import mmengine.fileio as fileio

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS


@DATASETS.register_module()
class FusedImageDataset(BaseSegDataset):
    """Fused images (one per registered infrared/visible pair) and the
    labels of the dataset they were fused from.

    The fusion-then-segment protocol: fuse a split with any fusion method
    (``tools/fuse.py`` for SegMiF, or another method's released images),
    then train and test a stock segmenter on the fused images. The fused
    images are ordinary RGB (or grey) images, read by the stock
    ``LoadImageFromFile``; ``LoadMultiModalAnnotations`` reads and
    validates the labels (every sample carries ``num_classes``). Layout:

    .. code-block:: none

        {fused folder}/<name>{img_suffix}            fused image
        {data_root}/{seg_map_path}/<name>{seg_map_suffix}   label (class ids)

    ``<name>`` is the visible image's name in the source dataset, as
    ``tools/fuse.py`` writes it. The samples are every image in the fused
    folder (recursively, sorted), or the names listed in ``ann_file``.

    .. code-block:: python

        dataset = dict(
            type='FusedImageDataset',
            source='FMBDataset',
            data_root='data/FMB',
            data_prefix=dict(
                img_path='work_dirs/fused/fmb/train',  # absolute or
                seg_map_path='train/Label'),           # relative to data_root
            pipeline=[...])

    Args:
        source (str, optional): Registered type of the RGB-T dataset the
            images were fused from, e.g. ``'FMBDataset'``; its ``METAINFO``
            (classes, palette) becomes this dataset's. Defaults to None
            (give ``metainfo`` with the classes).
        metainfo (dict, optional): Overrides the source's ``classes`` /
            ``palette``. The label ids are not remapped: they must index
            ``classes``. Defaults to None.
        data_prefix (dict): ``img_path``: the folder of fused images
            (absolute, or relative to ``data_root``); ``seg_map_path``: the
            label folder of the source split, relative to ``data_root``.
            Defaults to ``dict(img_path='', seg_map_path='')``.
        img_suffix (str): Suffix of the fused images. Defaults to '.png'.
        seg_map_suffix (str): Suffix of the labels. Defaults to '.png'.
        **kwargs: Other arguments of :class:`mmseg.datasets.BaseSegDataset`
            (``data_root``, ``ann_file``, ``pipeline``, ``test_mode``,
            ``reduce_zero_label``, ``backend_args`` ...).

    Raises:
        KeyError: ``source`` is not a registered dataset.
        ValueError: No class list, or no fused image in the folder.
        FileNotFoundError: The fused folder, a fused image listed in
            ``ann_file`` or the label of a fused image is missing.
    """
    METAINFO: dict = dict()

    def __init__(self,
                 source: Optional[str] = None,
                 metainfo: Optional[dict] = None,
                 data_prefix: dict = dict(img_path='', seg_map_path=''),
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        super().__init__(
            metainfo=self.source_metainfo(source, metainfo),
            data_prefix=data_prefix,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            **kwargs)

    @staticmethod
    def source_metainfo(source: Optional[str],
                        metainfo: Optional[dict]) -> dict:
        """The source dataset's ``METAINFO`` updated with ``metainfo``.

        Args:
            source (str, optional): Registered dataset type, or None.
            metainfo (dict, optional): Overrides.

        Returns:
            dict: Meta information with at least ``classes``.
        """
        merged = {}
        if source is not None:
            source_cls = DATASETS.get(source)
            if source_cls is None:
                raise KeyError(
                    f'FusedImageDataset: source={source!r} is not a '
                    "registered dataset type; use e.g. 'FMBDataset' or "
                    "'MFNetPackedDataset' (import segmif_mm first), or set "
                    'source=None and give metainfo=dict(classes=...).')
            merged.update(copy.deepcopy(getattr(source_cls, 'METAINFO', {})))
        merged.update(copy.deepcopy(metainfo or {}))
        if not merged.get('classes'):
            raise ValueError(
                'FusedImageDataset needs a class list: set `source` to the '
                'registered dataset the images were fused from, or '
                '`metainfo=dict(classes=(...), palette=[...])`.')
        return merged

    def load_data_list(self) -> List[dict]:
        """One sample per fused image, with its label and ``num_classes``.

        Returns:
            list[dict]: Samples with ``img_path``, ``seg_map_path`` (when
            ``data_prefix`` has a label folder), ``label_map``,
            ``reduce_zero_label``, ``seg_fields`` and ``num_classes``.
        """
        img_dir = self.data_prefix.get('img_path', '')
        if not self.ann_file and not fileio.isdir(
                img_dir, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'Fused image folder {img_dir} does not exist. Write it with '
                '`python tools/fuse.py CONFIG CHECKPOINT --split SPLIT '
                f'--out-dir {img_dir}`, or point `data_prefix.img_path` '
                "(the config's `fused_root`) to another method's fused "
                'images.')
        data_list = super().load_data_list()
        if not data_list:
            raise ValueError(
                f'FusedImageDataset found no fused images ending in '
                f'"{self.img_suffix}" in {self.ann_file or img_dir}. Check '
                '`data_prefix.img_path` and `img_suffix`.')
        self._check_exist(data_list, 'img_path', 'fused image',
                          'list only fused samples in `ann_file`')
        self._check_exist(
            data_list, 'seg_map_path', 'label',
            'fuse the split whose labels `data_prefix.seg_map_path` names '
            '(e.g. --split test with the test labels)')
        num_classes = len(self._metainfo['classes'])
        for data_info in data_list:
            data_info['num_classes'] = num_classes
        return data_list

    def _check_exist(self, data_list: List[dict], key: str, kind: str,
                     fix: str) -> None:
        """Raise when a sample's ``key`` file does not exist."""
        missing = [
            info[key] for info in data_list if key in info
            and not fileio.exists(info[key], backend_args=self.backend_args)
        ]
        if missing:
            raise FileNotFoundError(
                f'FusedImageDataset: {len(missing)} of {len(data_list)} '
                f'samples have no {kind}, e.g. {missing[:3]}; {fix}.')
