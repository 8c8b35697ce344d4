"""Learnable task weights from homoscedastic uncertainty."""
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmseg.registry import MODELS
from mmseg.utils import OptMultiConfig


@MODELS.register_module()
class UncertaintyTaskWeighting(BaseModule):
    """Task weights of Kendall et al., "Multi-task learning using uncertainty
    to weigh losses for scene geometry and semantics" (CVPR 2018).

    Holds one learnable log-variance :math:`s_i` per task. A multi-task model
    combines its task losses as

    .. math::
        L = \\sum_i \\exp(-s_i) L_i + s_i

    so the weight of task ``i`` is :math:`\\exp(-s_i)` (1 at ``s_i = 0``) and
    the regulariser :math:`s_i` keeps the weights from collapsing to 0.
    ``forward`` returns both terms; calling the module (rather than reading
    ``log_vars``) keeps the gradients synchronised when the module is wrapped
    in DDP.

    Args:
        tasks (Sequence[str]): Task names, in the order of the weights.
            Defaults to ``('fusion', 'seg')``.
        init_log_var (float): Initial :math:`s_i` of every task.
            Defaults to 0.0 (weights 1).
        init_cfg (OptMultiConfig): Initialization config. Defaults to None.

    Example:
        >>> model = dict(
        >>>     type='SegMiFUncertaintyWeighting',
        >>>     task_weighting=dict(type='UncertaintyTaskWeighting'))
    """

    def __init__(self,
                 tasks: Sequence[str] = ('fusion', 'seg'),
                 init_log_var: float = 0.0,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.tasks = tuple(tasks)
        if not self.tasks or len(set(self.tasks)) != len(self.tasks):
            raise ValueError('UncertaintyTaskWeighting needs distinct task '
                             f'names, got {tasks}.')
        self.log_vars = nn.Parameter(
            torch.full((len(self.tasks), ), float(init_log_var)))

    def forward(self) -> Tuple[Tensor, Tensor]:
        """Weights and regulariser terms.

        Returns:
            tuple[Tensor, Tensor]: Weights :math:`\\exp(-s_i)` and
            log-variances :math:`s_i`, both ``[K]`` in the order of
            ``tasks`` (weights > 0; log-variances unbounded).
        """
        return torch.exp(-self.log_vars), self.log_vars
