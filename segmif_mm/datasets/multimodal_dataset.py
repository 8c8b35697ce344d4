"""Generic registered infrared-visible segmentation dataset."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import mmengine.fileio as fileio
from mmengine.utils import is_abs

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from .split_file import read_split_file


@DATASETS.register_module()
class MultiModalSegDataset(BaseSegDataset):
    """Semantic segmentation dataset of registered visible/infrared pairs.

    Every folder name, suffix, split file and the class list are arguments,
    so a user's own RGB-T data needs no code. An example layout:

    .. code-block:: none

        data/my_rgbt
        ├── train
        │   ├── vi      xxx{img_suffix}      visible (RGB or grey)
        │   ├── ir      xxx{ir_suffix}       infrared (8/16-bit, 1 or 3 ch.)
        │   └── labels  xxx{seg_map_suffix}  single-channel class ids
        ├── test
        │   └── ...
        └── train.txt   (optional) one sample name per line, no suffix

    .. code-block:: python

        dataset = dict(
            type='MultiModalSegDataset',
            data_root='data/my_rgbt',
            data_prefix=dict(
                img_path='train/vi', ir_path='train/ir',
                seg_map_path='train/labels'),
            metainfo=dict(classes=('background', 'person'),
                          palette=[[0, 0, 0], [220, 20, 60]]),
            pipeline=[...])

    Each sample is a dict with ``img_path`` (visible), ``ir_path``
    (infrared), ``seg_map_path`` (absent when ``data_prefix`` has no
    ``seg_map_path`` key, e.g. for unlabelled fusion data), ``label_map``,
    ``reduce_zero_label``, ``seg_fields`` and ``num_classes`` (the length of
    ``metainfo['classes']``; ``LoadMultiModalAnnotations`` validates label
    ids against it). When ``ir_path`` and ``img_path`` name the same file,
    the file is one packed 4-channel R, G, B, thermal image (the original
    MFNet release) and ``LoadMultiModalImages`` splits it.

    Args:
        ann_file (str | Sequence[str]): Split file(s) listing sample names
            without suffix, one per line, relative to ``data_root``. A list
            concatenates several splits (e.g. ``['train.txt', 'val.txt']``).
            Empty: every file with ``img_suffix`` under the visible folder
            (recursively). Defaults to ''.
        img_suffix (str): Suffix of visible images. Defaults to '.png'.
        ir_suffix (str): Suffix of infrared images. Defaults to '.png'.
        seg_map_suffix (str): Suffix of label maps. Defaults to '.png'.
        data_prefix (dict): Folders of the visible images (``img_path``),
            infrared images (``ir_path``) and label maps (``seg_map_path``,
            optional), relative to ``data_root``. Defaults to
            ``dict(img_path='', ir_path='', seg_map_path='')``.
        label_map (dict[int, int], optional): Mapping from label values as
            stored in the files (after ``reduce_zero_label``) to class ids of
            ``metainfo['classes']``, e.g. ``{255: 1}`` for a binary 0/255
            mask. Applied before the mapping to a class subset that
            ``metainfo['classes']`` may select from ``METAINFO``. Values not
            listed keep their id. Defaults to None.
        **kwargs: Other arguments of :class:`mmseg.datasets.BaseSegDataset`
            (``metainfo``, ``data_root``, ``pipeline``, ``test_mode``,
            ``reduce_zero_label``, ``backend_args`` ...).

    Raises:
        ValueError: No visible/infrared folder in ``data_prefix``, no class
            list, an invalid ``label_map`` or no samples.
        FileNotFoundError: A split file or the visible folder is missing.
    """
    METAINFO: dict = dict()

    def __init__(self,
                 ann_file: Union[str, Sequence[str]] = '',
                 img_suffix: str = '.png',
                 ir_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 data_prefix: dict = dict(
                     img_path='', ir_path='', seg_map_path=''),
                 label_map: Optional[Dict[int, int]] = None,
                 **kwargs) -> None:
        if 'img_path' not in data_prefix or 'ir_path' not in data_prefix:
            raise ValueError(
                f'{type(self).__name__} needs the visible and infrared '
                'folders: data_prefix=dict(img_path=..., ir_path=..., '
                f'seg_map_path=...), got {data_prefix}.')
        self.ir_suffix = ir_suffix
        self.file_label_map = dict(label_map) if label_map else None
        super().__init__(
            ann_file=ann_file,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            **kwargs)
        self._metainfo['label_map'] = self.sample_label_map()

    @property
    def num_classes(self) -> int:
        """int: Number of classes in ``metainfo['classes']``."""
        classes = self._metainfo.get('classes')
        if not classes:
            raise ValueError(
                f'{type(self).__name__} needs a class list: set '
                '`metainfo=dict(classes=(...), palette=[...])` in the dataset '
                'config.')
        return len(classes)

    def sample_label_map(self) -> Optional[Dict[int, int]]:
        """Combine ``label_map`` with the class-subset mapping.

        Returns:
            dict[int, int] | None: Mapping from stored label values to class
            ids applied by ``LoadAnnotations``; None when nothing is mapped.
        """
        if self.file_label_map is None:
            return self.label_map
        subset_map = self.label_map or {}
        num_classes = len(self.METAINFO.get('classes') or ()) or \
            self.num_classes
        combined = dict(subset_map)
        for stored, class_id in self.file_label_map.items():
            if not (0 <= int(stored) <= 255 and
                    (0 <= int(class_id) < num_classes or class_id == 255)):
                raise ValueError(
                    f'label_map entry {stored}: {class_id} of '
                    f'{type(self).__name__} is invalid: keys must be stored '
                    f'label values 0-255 and values class ids 0-'
                    f'{num_classes - 1} or 255 (ignore).')
            combined[int(stored)] = subset_map.get(
                int(class_id), int(class_id))
        return combined

    def _join_prefix(self) -> None:
        """Join ``data_root`` with ``data_prefix`` and every split file."""
        ann_files = self.ann_file
        if not isinstance(ann_files, (list, tuple)):
            super()._join_prefix()
            return
        self.ann_file = ''
        super()._join_prefix()
        self.ann_file = [
            f if is_abs(f) else fileio.join_path(self.data_root, f)
            for f in ann_files
        ]

    def _split_files(self) -> List[str]:
        """The non-empty split file paths of ``ann_file``."""
        ann_files = self.ann_file if isinstance(self.ann_file,
                                                (list,
                                                 tuple)) else [self.ann_file]
        return [f for f in ann_files if f]

    def _sample_names(self) -> List[str]:
        """Sample names from the split file(s) or the visible folder."""
        img_dir = self.data_prefix.get('img_path', '')
        ann_files = self._split_files()
        if ann_files:
            return [
                name for ann_file in ann_files for name in read_split_file(
                    ann_file,
                    type(self).__name__, f'use every image in {img_dir}',
                    self.backend_args)
            ]
        if not fileio.isdir(img_dir, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'Visible image folder {img_dir} of {type(self).__name__} '
                'does not exist. Check `data_root` and '
                '`data_prefix.img_path`.')
        files = fileio.list_dir_or_file(
            dir_path=img_dir,
            list_dir=False,
            suffix=self.img_suffix,
            recursive=True,
            backend_args=self.backend_args)
        return sorted(f[:-len(self.img_suffix)] for f in files)

    def load_data_list(self) -> List[dict]:
        """Build one sample dict per name.

        Returns:
            list[dict]: Samples with ``img_path``, ``ir_path``, optional
            ``seg_map_path``, ``label_map``, ``reduce_zero_label``,
            ``seg_fields`` and ``num_classes``.
        """
        img_dir = self.data_prefix.get('img_path', '')
        ir_dir = self.data_prefix.get('ir_path', '')
        ann_dir = self.data_prefix.get('seg_map_path', None)
        label_map = self.sample_label_map()
        num_classes = self.num_classes
        data_list = []
        for name in self._sample_names():
            data_info = dict(
                img_path=osp.join(img_dir, name + self.img_suffix),
                ir_path=osp.join(ir_dir, name + self.ir_suffix),
                label_map=label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[],
                num_classes=num_classes)
            if ann_dir is not None:
                data_info['seg_map_path'] = osp.join(
                    ann_dir, name + self.seg_map_suffix)
            data_list.append(data_info)
        if not data_list:
            source = ', '.join(self._split_files()) or \
                f'{img_dir} (files ending in "{self.img_suffix}")'
            raise ValueError(
                f'{type(self).__name__} found no samples in {source}. Check '
                '`data_root`, `data_prefix`, `ann_file` and `img_suffix`.')
        return data_list
