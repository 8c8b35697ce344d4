from typing import Sequence, Tuple

from mmengine.model import BaseModule
from torch import Tensor

from mmseg.registry import MODELS
from ..utils import unpack_interaction_inputs


@MODELS.register_module()
class AverageAggregation(BaseModule):
    """Direct aggregation baseline "Average" (SegMiF Table 3).

    Per modality ``x in {ir, vis}``: ``f_x' = (f_x + f_seg) / 2``. No
    parameters. Drop-in replacement for
    :class:`HierarchicalInteractiveAttention`.
    """

    uses_semantic_features = True

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Aggregate.

        Args:
            inputs (Sequence[Tensor]): ``(f_ir, f_vis, f_seg)``, each
                ``[B, C, H, W]``.

        Returns:
            tuple[Tensor, Tensor]: ``(f_ir', f_vis')``, each ``[B, C, H, W]``.
        """
        f_ir, f_vis, f_seg = unpack_interaction_inputs(
            inputs, owner=type(self).__name__)
        return (f_ir + f_seg) / 2, (f_vis + f_seg) / 2
