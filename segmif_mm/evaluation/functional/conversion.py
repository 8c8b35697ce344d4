"""Image conversions and input checks of the fusion-quality metrics.

The metrics follow the MATLAB evaluation suite used by the infrared-visible
fusion literature, which works on 8-bit grey images: colour images are
converted with MATLAB's ``rgb2gray`` and rounded to uint8, and float images
in [0, 1] are quantised to uint8 before anything is measured.
"""
from typing import Tuple, Union

import torch
from torch import Tensor

#: MATLAB ``rgb2gray`` weights of R, G and B (the rounded inverse of the
#: NTSC YIQ matrix), as used by ``rgb2gray`` since R2014a.
RGB2GRAY_WEIGHTS = (0.298936021293775, 0.587043074451121, 0.114020904255103)


def rgb_to_gray(image: Tensor) -> Tensor:
    """Convert a uint8 RGB image to grey exactly like MATLAB ``rgb2gray``.

    ``0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B`` in
    float64, rounded to the nearest integer (halves up, as MATLAB's uint8
    conversion) and stored as uint8.

    Args:
        image (Tensor): uint8 image ``[..., 3, H, W]`` with channels R, G, B.

    Returns:
        Tensor: uint8 grey image ``[..., H, W]``.

    Raises:
        TypeError: ``image`` is not uint8.
        ValueError: ``image`` does not have 3 channels at dim -3.
    """
    if image.dtype != torch.uint8:
        raise TypeError(
            f'rgb_to_gray expects a uint8 R, G, B image, got {image.dtype}. '
            'Quantise float images in [0, 1] with to_uint8 first.')
    if image.dim() < 3 or image.shape[-3] != 3:
        raise ValueError(
            'rgb_to_gray expects an image of shape [..., 3, H, W] (channels '
            f'R, G, B), got {tuple(image.shape)}. OpenCV arrays (H, W, 3) '
            'in B, G, R order must be flipped to R, G, B and permuted to '
            'channels-first first.')
    rgb = image.to(torch.float64)
    # (wR R + wG G) + wB B, each product and sum rounded in float64 in this
    # order, as MATLAB and the numpy reference compute it.
    grey = rgb.select(-3, 0) * RGB2GRAY_WEIGHTS[0]
    term = rgb.select(-3, 1) * RGB2GRAY_WEIGHTS[1]
    grey.add_(term)
    torch.mul(rgb.select(-3, 2), RGB2GRAY_WEIGHTS[2], out=term)
    grey.add_(term)
    return grey.add_(0.5).floor_().clamp_(0, 255).to(torch.uint8)


def grey_sources(inputs: Tensor) -> Tuple[Tensor, Tensor]:
    """The infrared and grey visible image of one packed RGB-T input.

    Args:
        inputs (Tensor): uint8 ``[4, H, W]`` (R, G, B, IR), as
            ``ConcatInfrared`` + ``PackSegInputs`` give it.

    Returns:
        tuple[Tensor, Tensor]: uint8 ``[H, W]`` infrared (A) and visible
        (B, grey by MATLAB's ``rgb2gray``) images.

    Raises:
        ValueError: Not a uint8 ``[4, H, W]`` tensor.
    """
    if not isinstance(inputs, Tensor) or inputs.dtype != torch.uint8 or \
            inputs.dim() != 3 or inputs.shape[0] != 4:
        description = (f'{inputs.dtype} {tuple(inputs.shape)}' if isinstance(
            inputs, Tensor) else type(inputs).__name__)
        raise ValueError(
            'The fusion metrics read the source images from the batch: '
            'uint8 [4, H, W] (R, G, B, IR) as ConcatInfrared and '
            f'PackSegInputs make them, got {description}.')
    return inputs[3], rgb_to_gray(inputs[:3])


def check_grey_images(min_size: int = 1,
                      metric: str = 'fusion metrics',
                      **images: Tensor) -> Tuple[Tuple[Tensor, ...], bool]:
    """Check that grey images are uint8, equally sized and on one device.

    Args:
        min_size (int): Smallest height and width the metric accepts.
            Defaults to 1.
        metric (str): Metric name for error messages. Defaults to
            'fusion metrics'.
        **images (Tensor): Named uint8 images, each ``[H, W]`` or
            ``[B, H, W]``, all of the same shape. The names appear in error
            messages.

    Returns:
        tuple[tuple[Tensor, ...], bool]: The images as ``[B, H, W]`` in the
        given order, and whether the inputs were unbatched ``[H, W]``.

    Raises:
        TypeError: An image is not a uint8 tensor.
        ValueError: Wrong number of dimensions, too small, different shapes
            or devices.
    """
    names = list(images)
    tensors = list(images.values())
    for name, image in images.items():
        if not isinstance(image, Tensor) or image.dtype != torch.uint8:
            kind = image.dtype if isinstance(image, Tensor) else type(image)
            raise TypeError(
                f'{metric} takes uint8 grey images; `{name}` is {kind}. '
                'Quantise float images in [0, 1] with to_uint8 and convert '
                'R, G, B images with rgb_to_gray.')
        if image.dim() not in (2, 3):
            raise ValueError(
                f'`{name}` has shape {tuple(image.shape)}; grey images must '
                'be [H, W] or [B, H, W]. Convert colour images with '
                'rgb_to_gray first.')
    shape, device = tensors[0].shape, tensors[0].device
    for name, image in zip(names[1:], tensors[1:]):
        if image.shape != shape:
            raise ValueError(
                f'`{names[0]}` has shape {tuple(shape)} but `{name}` has '
                f'{tuple(image.shape)}; fused and source images must be '
                'registered and of equal size.')
        if image.device != device:
            raise ValueError(f'`{names[0]}` is on {device} but `{name}` is on '
                             f'{image.device}; move all images to one device.')
    if min(shape[-2:]) < min_size:
        raise ValueError(
            f'{metric} needs images of at least {min_size}x{min_size} '
            f'pixels, got {shape[-2]}x{shape[-1]} (HxW).')
    unbatched = tensors[0].dim() == 2
    if unbatched:
        tensors = [image.unsqueeze(0) for image in tensors]
    return tuple(tensors), unbatched


def metric_output(value: Tensor, unbatched: bool) -> Union[float, Tensor]:
    """A metric's return value: a float for one ``[H, W]`` image, the
    ``[B]`` tensor for a batch (``unbatched`` from
    :func:`check_grey_images`)."""
    return value.item() if unbatched else value
