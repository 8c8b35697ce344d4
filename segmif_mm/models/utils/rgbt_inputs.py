from typing import Tuple

import torch
from torch import Tensor


def split_rgbt(inputs: Tensor) -> Tuple[Tensor, Tensor]:
    """Split checked ``[B, 4, H, W]`` inputs into visible RGB and infrared.

    Args:
        inputs (Tensor): Images (R, G, B, IR) in [0, 1].

    Returns:
        tuple[Tensor, Tensor]: Visible ``[B, 3, H, W]`` and infrared
        ``[B, 1, H, W]``.

    Raises:
        ValueError: Wrong shape, or values outside [0, 1] (checked in eager
            mode only, so tracing and compiling see no data-dependent
            branch).
    """
    if inputs.dim() != 4 or inputs.shape[1] != 4:
        raise ValueError(
            'SegMiF expects inputs of shape [B, 4, H, W] with channels '
            f'(R, G, B, IR), got {tuple(inputs.shape)}. Use '
            'ConcatInfrared in the pipeline and MultiModalDataPreProcessor '
            'as the data_preprocessor.')
    if not (torch.jit.is_tracing() or torch.compiler.is_compiling()):
        low, high = torch.aminmax(inputs.detach())
        if low < 0 or high > 1:
            raise ValueError(
                'SegMiF expects inputs in [0, 1], got values in '
                f'[{float(low):.3g}, {float(high):.3g}]. Use '
                'MultiModalDataPreProcessor without mean/std for SegMiF; '
                "it normalises the backbone's input itself "
                '(backbone_mean/backbone_std).')
    return inputs[:, :3], inputs[:, 3:]
