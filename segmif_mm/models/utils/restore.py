from torch import Tensor

from mmseg.models.utils import resize


def restore_to_original(img: Tensor, img_meta: dict,
                        align_corners: bool) -> Tensor:
    """Undo padding and flip of one image and resize it to ``ori_shape``.

    The image counterpart of what ``EncoderDecoder.postprocess_result`` does
    to segmentation logits.

    Args:
        img (Tensor): Map of shape ``[1, C, H, W]`` at the model input size.
        img_meta (dict): Meta information with ``ori_shape`` and optionally
            ``padding_size``/``img_padding_size``, ``flip`` and
            ``flip_direction`` (as written by mmseg's data pipeline).
        align_corners (bool): ``align_corners`` of the bilinear resize.

    Returns:
        Tensor: Map of shape ``[C, *ori_shape]``.
    """
    height, width = img.shape[2:]
    left, right, top, bottom = img_meta.get(
        'img_padding_size', img_meta.get('padding_size', [0] * 4))
    img = img[:, :, top:height - bottom, left:width - right]
    if img_meta.get('flip', False):
        direction = img_meta.get('flip_direction')
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f"Unknown flip_direction {direction!r} in the "
                             "image meta; expected 'horizontal' or "
                             "'vertical'.")
        img = img.flip(dims=(3, ) if direction == 'horizontal' else (2, ))
    return resize(
        img,
        size=img_meta['ori_shape'],
        mode='bilinear',
        align_corners=align_corners,
        warning=False).squeeze(0)
