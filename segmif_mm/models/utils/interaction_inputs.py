"""Input checks shared by the feature-interaction necks."""
from typing import Optional, Sequence, Tuple

from torch import Tensor


def unpack_interaction_inputs(
        inputs: Sequence[Optional[Tensor]],
        owner: str,
        channels: Optional[int] = None,
        need_seg: bool = True) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
    """Check and unpack the ``(f_ir, f_vis, f_seg)`` input of a neck.

    Args:
        inputs (Sequence[Tensor | None]): Infrared, visible and segmentation
            features, each of shape ``[B, C, H, W]``. ``f_seg`` may be None
            when ``need_seg`` is False.
        owner (str): Name of the calling module, used in error messages.
        channels (int, optional): Expected C. Defaults to None (any).
        need_seg (bool): Whether the neck uses ``f_seg``. Defaults to True.

    Returns:
        tuple[Tensor, Tensor, Tensor | None]: ``(f_ir, f_vis, f_seg)``.
    """
    if not isinstance(inputs, (tuple, list)) or len(inputs) != 3:
        raise ValueError(
            f'{owner} takes a tuple (f_ir, f_vis, f_seg) of three feature '
            f'maps, got {type(inputs).__name__} of length '
            f'{len(inputs) if isinstance(inputs, (tuple, list)) else "-"}.')
    f_ir, f_vis, f_seg = inputs
    if need_seg and f_seg is None:
        raise ValueError(f'{owner} uses the segmentation features, but '
                         'f_seg is None.')
    shapes = [tuple(int(d) for d in f.shape) for f in inputs if f is not None]
    if any(len(s) != 4 for s in shapes) or len(set(shapes)) != 1:
        raise ValueError(
            f'{owner}: f_ir, f_vis and f_seg must be [B, C, H, W] maps of one '
            f'shape, got {shapes}. Project and resize the segmentation '
            'features to the fusion features first.')
    if channels is not None and shapes[0][1] != channels:
        raise ValueError(
            f'{owner} was built for {channels} channels but got features '
            f'with {shapes[0][1]}; set its `channels` to the fusion head\'s '
            '`channels`.')
    return f_ir, f_vis, f_seg
