"""SegMiF trained with uncertainty-based task weights."""
from typing import Dict

from torch import Tensor

from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from segmif_mm.models.segmentors import SegMiF
from segmif_mm.models.utils import TASK_MODULES, TASKS, get_phase


@MODELS.register_module()
class SegMiFUncertaintyWeighting(SegMiF):
    """SegMiF whose task weights λ are learned from homoscedastic uncertainty
    (Kendall et al., CVPR 2018) instead of being fixed or set by eq. 9.

    In the fusion and joint phases the loss of eq. 7 becomes

    .. math::
        L = \\exp(-s_f) L_f + s_f + \\exp(-s_s) L_s + s_s

    with learnable log-variances :math:`s_f, s_s` held by ``task_weighting``
    (an :class:`UncertaintyTaskWeighting`): every ``fusion.loss_*`` term is
    multiplied by :math:`\\exp(-s_f)`, every ``decode``/``aux`` loss term by
    :math:`\\exp(-s_s)`, and ``loss_uncertainty`` :math:`= s_f + s_s` is
    added. The weights are logged as ``lambda_fusion`` / ``lambda_seg``.
    The segmentation phase is unchanged (unweighted segmentation loss).

    The log-variances belong to the fusion task (the default
    ``task_modules`` adds ``task_weighting`` to the fusion sub-network's
    modules), so they are trained, with the fusion optimizer, in the phases
    that train the fusion task. Drop ``DynamicTaskWeightHook``
    (``task_weights`` must stay at 1).

    Args:
        task_weighting (ConfigType): Config of the module holding the
            log-variances, with tasks ``('fusion', 'seg')``. Defaults to
            ``dict(type='UncertaintyTaskWeighting')``.
        **kwargs: Arguments of :class:`segmif_mm.models.SegMiF`.
    """

    def __init__(self,
                 task_weighting: ConfigType = dict(
                     type='UncertaintyTaskWeighting'),
                 **kwargs) -> None:
        kwargs.setdefault(
            'task_modules',
            dict(
                TASK_MODULES,
                fusion=TASK_MODULES['fusion'] + ('task_weighting', )))
        if not any('task_weighting' in names
                   for names in kwargs['task_modules'].values()):
            raise ValueError(
                'SegMiFUncertaintyWeighting: `task_modules` must name '
                "'task_weighting' under the task that trains it (fusion), "
                f"got {kwargs['task_modules']}.")
        super().__init__(**kwargs)
        self.task_weighting = MODELS.build(task_weighting)
        tasks = tuple(getattr(self.task_weighting, 'tasks', ()))
        if tasks != TASKS:
            raise ValueError(
                'SegMiFUncertaintyWeighting needs a task_weighting with '
                f'tasks={TASKS}, got {tasks}.')

    def loss(self, inputs: Tensor,
             data_samples: SampleList) -> Dict[str, Tensor]:
        """Losses of the active phase, weighted by ``exp(-s_i)``.

        Args:
            inputs (Tensor): ``[B, 4, H, W]`` (R, G, B, IR) in [0, 1].
            data_samples (list[:obj:`SegDataSample`]): Samples with
                ``gt_sem_seg``.

        Returns:
            dict[str, Tensor]: As :meth:`SegMiF.loss`; in the fusion and
            joint phases the loss terms are weighted by ``exp(-s_i)`` and
            ``loss_uncertainty``, ``lambda_fusion`` and ``lambda_seg`` are
            added.
        """
        if self.task_weights != dict(fusion=1.0, seg=1.0):
            raise ValueError(
                'SegMiFUncertaintyWeighting learns its task weights, but '
                f'task_weights was set to {self.task_weights}; remove '
                'DynamicTaskWeightHook (or any hook setting task_weights) '
                'from custom_hooks.')
        losses = super().loss(inputs, data_samples)
        if not get_phase(self.phase).weighted:
            return losses
        weights, log_vars = self.task_weighting()
        weighted = {}
        for key, value in losses.items():
            if 'loss' not in key:
                weighted[key] = value
            elif key.startswith('fusion.'):
                weighted[key] = weights[0] * value
            else:
                weighted[key] = weights[1] * value
        weighted['loss_uncertainty'] = log_vars.sum()
        for index, task in enumerate(TASKS):
            weighted[f'lambda_{task}'] = weights[index].detach()
        return weighted
