"""Running a backbone on images smaller than its attention layers accept."""
import math
from typing import List, Sequence

import torch.nn.functional as F
from torch import Tensor, nn


def min_input_size(backbone: nn.Module) -> int:
    """Smallest image side the backbone's attention layers accept.

    Stage ``i`` of a MiT reduces its keys with a ``sr_ratios[i]`` strided
    convolution, so its feature map (stride ``strides[0] * ...
    * strides[i]``) must be at least ``sr_ratios[i]`` wide: 32 pixels for
    every MiT variant. Backbones without ``sr_ratios`` accept any size (1).

    Args:
        backbone (nn.Module): The backbone.

    Returns:
        int: The smallest side in pixels.
    """
    strides = getattr(backbone, 'strides', ())
    sr_ratios = getattr(backbone, 'sr_ratios', ())
    return max(
        (sr * math.prod(strides[:i + 1]) for i, sr in enumerate(sr_ratios)),
        default=1)


def pad_to_min_size(img: Tensor, min_size: int) -> Tensor:
    """Zero-pad images at the bottom and right to at least ``min_size``.

    Args:
        img (Tensor): Normalised images ``[B, C, H, W]`` (zero is the mean
            colour).
        min_size (int): Smallest side.

    Returns:
        Tensor: ``[B, C, max(H, min_size), max(W, min_size)]``.
    """
    height, width = img.shape[2:]
    return F.pad(img,
                 (0, max(min_size - width, 0), 0, max(min_size - height, 0)))


def crop_features(feats: Sequence[Tensor], size: Sequence[int],
                  padded_size: Sequence[int]) -> List[Tensor]:
    """Crop the features of a padded image to the unpadded image.

    Args:
        feats (Sequence[Tensor]): Maps ``[B, C_i, h_i, w_i]`` computed from a
            (bottom/right) padded image.
        size (Sequence[int]): Image size ``(H, W)`` before padding.
        padded_size (Sequence[int]): Padded size ``(H_p, W_p)``.

    Returns:
        list[Tensor]: Maps cropped to ``ceil(h_i H / H_p)`` by
        ``ceil(w_i W / W_p)``.
    """
    if tuple(size) == tuple(padded_size):
        return list(feats)
    crops = []
    for feat in feats:
        height = math.ceil(feat.shape[-2] * size[0] / padded_size[0])
        width = math.ceil(feat.shape[-1] * size[1] / padded_size[1])
        crops.append(feat[..., :height, :width])
    return crops
