from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmseg.registry import MODELS
from mmseg.utils import OptMultiConfig
from ..utils import unpack_interaction_inputs


@MODELS.register_module()
class ConcatAggregation(BaseModule):
    """Direct aggregation baseline "Concatenate" (SegMiF Table 3).

    Per modality ``x in {ir, vis}``:
    ``f_x' = conv1x1_x(cat(f_x, f_seg))`` (2C → C, one conv per modality).
    Drop-in replacement for :class:`HierarchicalInteractiveAttention`.

    Args:
        channels (int): Channels C of all three inputs. Defaults to 64.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.
    """

    uses_semantic_features = True

    def __init__(self,
                 channels: int = 64,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.channels = channels
        self.ir_conv = nn.Conv2d(2 * channels, channels, kernel_size=1)
        self.vis_conv = nn.Conv2d(2 * channels, channels, kernel_size=1)

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Aggregate.

        Args:
            inputs (Sequence[Tensor]): ``(f_ir, f_vis, f_seg)``, each
                ``[B, C, H, W]``.

        Returns:
            tuple[Tensor, Tensor]: ``(f_ir', f_vis')``, each ``[B, C, H, W]``.
        """
        f_ir, f_vis, f_seg = unpack_interaction_inputs(
            inputs, owner=type(self).__name__, channels=self.channels)
        return (self.ir_conv(torch.cat([f_ir, f_seg], dim=1)),
                self.vis_conv(torch.cat([f_vis, f_seg], dim=1)))
