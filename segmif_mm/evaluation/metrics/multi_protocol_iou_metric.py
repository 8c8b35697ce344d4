"""mIoU, mAcc and aAcc under several class-exclusion protocols."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class MultiProtocolIoUMetric(IoUMetric):
    """mmseg ``IoUMetric`` reported under several protocols side by side.

    Published RGB-T segmentation results differ in which classes enter the
    means: (a) all classes, (b) without ``unlabeled``, (c) dataset-specific
    exclusions (FMB's test split has no bicycle pixels). A protocol is a
    name and the class names it excludes. Per-class IoU/Acc (and Dice,
    Fscore, ... as ``iou_metrics`` asks) are computed once by ``IoUMetric``
    from all pixels and are the same under every protocol; a protocol only
    drops its excluded classes from the class means (mIoU, mAcc, ...,
    NaN-ignoring like ``IoUMetric``) and from aAcc: under a protocol, aAcc
    counts only pixels whose ground truth is a kept class (pixels of an
    excluded class are treated like ``ignore_index``; predicting an
    excluded class on a kept pixel is still an error).

    Results are keyed ``'{protocol}/aAcc'``, ``'{protocol}/mIoU'``,
    ``'{protocol}/mAcc'``, ... in percent rounded to 2 decimals, as
    ``IoUMetric``; with ``per_class_keys`` also
    ``'{protocol}/IoU.{class}'`` etc. for the kept classes. A per-class
    table (class, Acc, IoU, ... and whether each protocol keeps the class)
    and a summary table with one row per protocol are printed.

    Example:
        >>> val_evaluator = dict(
        ...     type='MultiProtocolIoUMetric',
        ...     iou_metrics=['mIoU'],
        ...     protocols=dict(
        ...         all=[],
        ...         no_unlabeled=['unlabeled'],
        ...         fmb=['unlabeled', 'bicycle']))

    Args:
        protocols (dict[str, list[str]], optional): Protocol name -> names
            of the classes it excludes. Defaults to None, i.e.
            ``dict(all=[])``.
        per_class_keys (bool): Also return per-class values under each
            protocol. Defaults to False.
        **kwargs: Arguments of :class:`mmseg.evaluation.IoUMetric`
            (``ignore_index``, ``iou_metrics``, ``nan_to_num``, ``beta``,
            ``collect_device``, ``output_dir``, ``format_only``,
            ``prefix``).
    """

    def __init__(self,
                 protocols: Optional[Dict[str, Sequence[str]]] = None,
                 per_class_keys: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        protocols = dict(all=[]) if protocols is None else protocols
        if not protocols:
            raise ValueError(
                'MultiProtocolIoUMetric needs at least one protocol, e.g. '
                'protocols=dict(all=[]).')
        for name, excluded in protocols.items():
            if '/' in name or isinstance(excluded, str):
                raise ValueError(
                    f'Protocol {name!r}: names must not contain "/" and '
                    'exclusions must be a list of class names, e.g. '
                    "no_unlabeled=['unlabeled'].")
        self.protocols = {
            name: list(excluded)
            for name, excluded in protocols.items()
        }
        self.per_class_keys = per_class_keys

    @property
    def dataset_meta(self) -> Optional[dict]:
        """Optional[dict]: Meta info of the dataset."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        """Set the dataset meta info and check the protocols against it."""
        self._dataset_meta = dataset_meta
        self._kept_classes(dataset_meta['classes'])

    def _kept_classes(self, classes: Sequence[str]) -> Dict[str, torch.Tensor]:
        """Boolean mask ``[num_classes]`` of the kept classes per protocol.

        Raises:
            ValueError: A protocol names an unknown class or excludes all.
        """
        masks = OrderedDict()
        for name, excluded in self.protocols.items():
            unknown = [c for c in excluded if c not in classes]
            if unknown:
                raise ValueError(
                    f'Protocol {name!r} of MultiProtocolIoUMetric excludes '
                    f'{unknown}, which are not classes of the dataset. Its '
                    f'classes are: {list(classes)}.')
            keep = torch.tensor([c not in excluded for c in classes])
            if not keep.any():
                raise ValueError(
                    f'Protocol {name!r} excludes every class of the '
                    'dataset; keep at least one.')
            masks[name] = keep
        return masks

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the metrics of every protocol.

        Args:
            results (list): Per-image ``(area_intersect, area_union,
                area_pred_label, area_label)`` from ``IoUMetric.process``.

        Returns:
            dict[str, float]: ``'{protocol}/{metric}'`` in percent.
        """
        logger: MMLogger = MMLogger.get_current_instance()
        if self.format_only:
            logger.info(f'results are saved to {self.output_dir}')
            return OrderedDict()
        class_names = list(self.dataset_meta['classes'])
        totals = [sum(area) for area in zip(*results)]
        per_class = self.total_area_to_metrics(*totals, self.metrics,
                                               self.nan_to_num, self.beta)
        per_class.pop('aAcc')
        metrics: Dict[str, float] = OrderedDict()
        summary = PrettyTable(field_names=['Protocol', 'Excluded', 'aAcc'] +
                              [f'm{key}' for key in per_class])
        summary.title = 'Segmentation, mean over the kept classes of each ' \
            'protocol (%)'
        masks = self._kept_classes(class_names)
        for name, keep in masks.items():
            kept = self.total_area_to_metrics(
                *[total[keep] for total in totals], self.metrics,
                self.nan_to_num, self.beta)
            row = [
                name, ', '.join(self.protocols[name]) or '-',
                _percent(kept.pop('aAcc'))
            ]
            metrics[f'{name}/aAcc'] = row[-1]
            for key, values in kept.items():
                row.append(_percent(np.nanmean(values)))
                metrics[f'{name}/m{key}'] = row[-1]
                if self.per_class_keys:
                    names = [c for c, k in zip(class_names, keep) if k]
                    for class_name, value in zip(names, values):
                        metrics[f'{name}/{key}.{class_name}'] = _percent(value)
            summary.add_row(row)
        print_log(
            '\n' +
            self._class_table(class_names, per_class, masks).get_string(),
            logger)
        print_log('\n' + summary.get_string(), logger)
        return metrics

    @staticmethod
    def _class_table(class_names: List[str], per_class: dict,
                     masks: Dict[str, torch.Tensor]) -> PrettyTable:
        """Per-class values plus one 'kept' column per protocol."""
        table = PrettyTable()
        table.title = 'Segmentation per class (%), protocols: ' + \
            ', '.join(masks)
        table.add_column('Class', class_names)
        for key in ('Acc', *[k for k in per_class if k != 'Acc']):
            table.add_column(key,
                             [_percent(value) for value in per_class[key]])
        for name, keep in masks.items():
            table.add_column(f'in {name}',
                             ['yes' if k else 'no' for k in keep.tolist()])
        return table


def _percent(value: float) -> float:
    """A ratio as a percentage rounded to 2 decimals (NaN stays NaN)."""
    return round(float(value) * 100, 2)
