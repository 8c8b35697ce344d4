"""Padding images to a size the backbone accepts, cropping its features."""
import math
from typing import List, Sequence

import torch.nn.functional as F
from torch import Tensor


def pad_for_backbone(img: Tensor, min_size: int, size_divisor: int) -> Tensor:
    """Zero-pad images at the bottom and right to a size the backbone takes.

    Args:
        img (Tensor): Normalised images ``[B, C, H, W]`` (zero is the mean
            colour).
        min_size (int): Smallest side.
        size_divisor (int): Sides become multiples of it.

    Returns:
        Tensor: ``[B, C, H_p, W_p]`` with ``H_p = max(ceil(H / d) * d,
        min_size)`` (likewise ``W_p``); ``img`` itself when no padding is
        needed.
    """
    height, width = img.shape[2:]
    pad_h, pad_w = (
        max(math.ceil(side / size_divisor) * size_divisor, min_size) - side
        for side in (height, width))
    if pad_h == 0 and pad_w == 0:
        return img
    return F.pad(img, (0, pad_w, 0, pad_h))


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
