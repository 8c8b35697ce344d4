"""Label-free dataset of registered infrared-visible pairs."""
import logging
from typing import List, Optional, Sequence

from mmengine.logging import print_log

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from .file_pairing import Problem, match_by_name
from .split_file import read_split_file


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

    The pairing rule is that of :mod:`segmif_mm.datasets.file_pairing`
    (also used by the batch tools): folders are listed recursively, a
    sample's name is its path relative to the folder without suffix (any
    letter case), names match exactly. The samples are sorted by name, so
    ``indices`` (of :class:`mmengine.dataset.BaseDataset`) selects a fixed
    split, e.g. ``indices=180`` for the first 180 pairs. Each sample has
    ``img_path`` (visible), ``ir_path`` (infrared) and no ``seg_map_path``;
    load it with ``LoadMultiModalImages`` and no annotation loading.

    Args:
        data_prefix (dict): ``img_path`` (visible) and ``ir_path``
            (infrared) folders relative to ``data_root``.
            Defaults to ``dict(img_path='vi', ir_path='ir')``.
        img_suffix (str, optional): Suffix of the visible images (any
            letter case); None takes any of ``IMAGE_SUFFIXES``.
            Defaults to None.
        ir_suffix (str, optional): Suffix of the infrared images, likewise.
            Defaults to None.
        ann_file (str): Optional file listing sample names (without
            suffix), one per line, relative to ``data_root``. Defaults to ''
            (every matched pair).
        unpaired (str): What to do with a name that cannot be paired (no
            partner in the other folder, or several images of that name in
            one folder): ``'error'``, or ``'skip'`` (drop it, with a
            warning naming it). Defaults to 'error'.
        **kwargs: Other arguments of :class:`mmseg.datasets.BaseSegDataset`
            (``data_root``, ``pipeline``, ``indices``, ``test_mode`` ...).

    Raises:
        FileNotFoundError: A folder or the split file is missing.
        ValueError: Names that cannot be paired (with
            ``unpaired='error'``), or no pairs at all.
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

    def load_data_list(self) -> List[dict]:
        """One sample per matched pair, sorted by name (or in the order of
        the split file).

        Returns:
            list[dict]: Samples with ``img_path``, ``ir_path``,
            ``seg_fields`` (empty), ``label_map`` and ``reduce_zero_label``.
        """
        folders = dict(
            visible=self.data_prefix['img_path'],
            infrared=self.data_prefix['ir_path'])
        try:
            matching = match_by_name(
                folders,
                dict(visible=self.img_suffix,
                     infrared=self.ir_suffix), self.backend_args)
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f'{type(self).__name__}: {err} Check `data_root` and '
                '`data_prefix`.') from err
        self._check_problems(matching.problems)
        pairs = dict(matching.matched)
        names = sorted(pairs)
        if self.ann_file:
            names = read_split_file(self.ann_file,
                                    type(self).__name__, 'use every pair',
                                    self.backend_args)
            missing = [name for name in names if name not in pairs]
            if missing:
                raise ValueError(
                    f'Split file {self.ann_file} lists {len(missing)} names '
                    f'without a visible/infrared pair, e.g. {missing[:3]}. '
                    'List names without suffix, relative to the folders.')
        if not names:
            raise ValueError(
                f'{type(self).__name__} found no image pairs in '
                f'{folders["visible"]} and {folders["infrared"]}. Check '
                '`data_root`, `data_prefix` and the suffixes.')
        return [
            dict(
                img_path=pairs[name]['visible'],
                ir_path=pairs[name]['infrared'],
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[]) for name in names
        ]

    def _check_problems(self, problems: Sequence[Problem]) -> None:
        """Raise for names that cannot be paired, or (``unpaired='skip'``)
        warn that they are dropped."""
        if not problems:
            return
        shown = '; '.join(f'{name}: {reason}' for name, reason in problems[:5])
        if len(problems) > 5:
            shown += f' (+{len(problems) - 5} more)'
        if self.unpaired == 'skip':
            print_log(
                f'{type(self).__name__} drops {len(problems)} names that '
                f'cannot be paired ({shown}).',
                logger='current',
                level=logging.WARNING)
            return
        raise ValueError(
            f'{type(self).__name__} pairs the visible and infrared images by '
            f'name, but {len(problems)} names cannot be paired ({shown}). '
            "Fix or remove them, or set unpaired='skip' to drop them.")
