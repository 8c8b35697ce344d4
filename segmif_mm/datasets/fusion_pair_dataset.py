"""Label-free dataset of registered infrared-visible pairs."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmengine.fileio as fileio

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from segmif_mm.utils.batch_jobs import IMAGE_SUFFIXES


@DATASETS.register_module()
class FusionPairDataset(BaseSegDataset):
    """Registered visible/infrared pairs without labels, for fusion.

    The two folders are matched by file name without suffix, so
    ``vi/0001.jpg`` pairs with ``ir/0001.png``; each pair may have its own
    size. The folders are config fields; the layouts of the usual fusion
    sets (relative to ``data_root``):

    ============================  ======================  ====================
    layout                        ``img_path``            ``ir_path``
    ============================  ======================  ====================
    RoadScene (release)           ``crop_LR_visible``     ``cropinfrared``
    RoadScene / TNO (fusion       ``vi``                  ``ir``
    benchmark copies)
    LLVIP                         ``visible/test``        ``infrared/test``
    M3FD (``M3FD_Fusion``)        ``Vis``                 ``Ir``
    ============================  ======================  ====================

    .. code-block:: python

        dataset = dict(
            type='FusionPairDataset',
            data_root='data/LLVIP',
            data_prefix=dict(img_path='visible/test',
                             ir_path='infrared/test'),
            pipeline=[...])

    Folders are listed recursively; a sample's name is its path relative to
    the folder, without suffix. The samples are sorted by name, so
    ``indices`` (of :class:`mmengine.dataset.BaseDataset`) selects a fixed
    split, e.g. ``indices=180`` for the first 180 pairs. Each sample has
    ``img_path`` (visible), ``ir_path`` (infrared) and no ``seg_map_path``;
    load it with ``LoadMultiModalImages`` and no annotation loading.

    Args:
        data_prefix (dict): ``img_path`` (visible) and ``ir_path``
            (infrared) folders relative to ``data_root``.
            Defaults to ``dict(img_path='vi', ir_path='ir')``.
        img_suffix (str, optional): Suffix of the visible images; None takes
            any of ``IMAGE_SUFFIXES``. Defaults to None.
        ir_suffix (str, optional): Suffix of the infrared images, likewise.
            Defaults to None.
        ann_file (str): Optional file listing sample names (without
            suffix), one per line, relative to ``data_root``. Defaults to ''
            (every matched pair).
        unpaired (str): What to do with an image that has no partner in the
            other folder: ``'error'`` or ``'skip'`` (drop it).
            Defaults to 'error'.
        **kwargs: Other arguments of :class:`mmseg.datasets.BaseSegDataset`
            (``data_root``, ``pipeline``, ``indices``, ``test_mode`` ...).

    Raises:
        FileNotFoundError: A folder or the split file is missing.
        ValueError: Unpaired images (with ``unpaired='error'``), two images
            of one name in a folder, or no pairs at all.
    """
    METAINFO: dict = dict()

    def __init__(self,
                 data_prefix: dict = dict(img_path='vi', ir_path='ir'),
                 img_suffix: Optional[str] = None,
                 ir_suffix: Optional[str] = None,
                 ann_file: str = '',
                 unpaired: str = 'error',
                 **kwargs) -> None:
        if 'img_path' not in data_prefix or 'ir_path' not in data_prefix:
            raise ValueError(
                f'{type(self).__name__} needs the visible and infrared '
                'folders: data_prefix=dict(img_path=..., ir_path=...), got '
                f'{data_prefix}.')
        if unpaired not in ('error', 'skip'):
            raise ValueError(f"unpaired must be 'error' or 'skip', got "
                             f'{unpaired!r}.')
        self.ir_suffix = ir_suffix
        self.unpaired = unpaired
        super().__init__(
            ann_file=ann_file,
            img_suffix=img_suffix,
            data_prefix=data_prefix,
            **kwargs)

    def _images(self, key: str, suffix: Optional[str]) -> Dict[str, str]:
        """Images of the ``data_prefix[key]`` folder keyed by name."""
        folder = self.data_prefix[key]
        kind = 'Visible' if key == 'img_path' else 'Infrared'
        if not fileio.isdir(folder, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{kind} image folder {folder} of {type(self).__name__} does '
                f'not exist. Check `data_root` and `data_prefix.{key}`.')
        option = 'img_suffix' if key == 'img_path' else 'ir_suffix'
        images: Dict[str, str] = {}
        for file in fileio.list_dir_or_file(
                folder,
                list_dir=False,
                recursive=True,
                backend_args=self.backend_args):
            if suffix:
                if not file.endswith(suffix):
                    continue
                name = file[:-len(suffix)]
            else:
                name, ext = osp.splitext(file)
                if ext.lower() not in IMAGE_SUFFIXES:
                    continue
            if name in images:
                raise ValueError(
                    f'{kind} folder {folder} has two images named {name}: '
                    f'{images[name]} and {file}. Keep one, or set '
                    f'`{option}` to choose.')
            images[name] = file
        return images

    def _pair_names(self, visible: Dict[str, str],
                    infrared: Dict[str, str]) -> List[str]:
        """Names in both folders; unpaired names per ``unpaired``."""
        only = {
            'visible': sorted(set(visible) - set(infrared)),
            'infrared': sorted(set(infrared) - set(visible)),
        }
        if self.unpaired == 'error' and (only['visible'] or only['infrared']):

            def listing(names: Sequence[str]) -> str:
                shown = ', '.join(names[:5])
                return shown + (f' (+{len(names) - 5} more)'
                                if len(names) > 5 else '')

            details = '; '.join(f'only {kind}: {listing(names)}'
                                for kind, names in only.items() if names)
            folders = (f'{self.data_prefix["img_path"]} and '
                       f'{self.data_prefix["ir_path"]}')
            raise ValueError(
                f'{type(self).__name__}: the images of {folders} are paired '
                'by file name without suffix, but some have no partner '
                f"({details}). Remove them, or set unpaired='skip' to drop "
                'them.')
        return sorted(set(visible) & set(infrared))

    def _listed_names(self) -> Optional[List[str]]:
        """Names of the split file, or None without one."""
        if not self.ann_file:
            return None
        if not fileio.exists(self.ann_file, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'Split file {self.ann_file} of {type(self).__name__} does '
                "not exist. Check `data_root` and `ann_file`, or set "
                "`ann_file=''` to use every pair.")
        lines = fileio.list_from_file(
            self.ann_file, backend_args=self.backend_args)
        return [line.strip() for line in lines if line.strip()]

    def load_data_list(self) -> List[dict]:
        """One sample per matched pair, sorted by name.

        Returns:
            list[dict]: Samples with ``img_path``, ``ir_path``,
            ``seg_fields`` (empty), ``label_map`` and ``reduce_zero_label``.
        """
        visible = self._images('img_path', self.img_suffix)
        infrared = self._images('ir_path', self.ir_suffix)
        names = self._pair_names(visible, infrared)
        listed = self._listed_names()
        if listed is not None:
            missing = [name for name in listed if name not in names]
            if missing:
                raise ValueError(
                    f'Split file {self.ann_file} lists {len(missing)} names '
                    f'without a visible/infrared pair, e.g. {missing[:3]}. '
                    'List names without suffix, relative to the folders.')
            names = listed
        if not names:
            raise ValueError(
                f'{type(self).__name__} found no image pairs in '
                f'{self.data_prefix["img_path"]} and '
                f'{self.data_prefix["ir_path"]}. Check `data_root`, '
                '`data_prefix` and the suffixes.')
        return [
            dict(
                img_path=osp.join(self.data_prefix['img_path'], visible[name]),
                ir_path=osp.join(self.data_prefix['ir_path'], infrared[name]),
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[]) for name in names
        ]
