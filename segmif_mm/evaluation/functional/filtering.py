"""Filters of the fusion-quality metrics with MATLAB semantics.

All functions work on tensors ``[..., H, W]`` and are batched over the
leading dimensions. The Gaussian filters are banded matrix products on
strided views of the input, which keeps float64 filtering fast on CPU and
GPU alike.
"""
import math
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

# Outputs per band of the banded matrix products (rows along H, columns
# along W): large enough for efficient matrix products, small enough to
# keep the multiplications by the zeros of the band low. 16 was the
# fastest of 8-48 for 640x480 and 768x576 images on a 2-core Xeon.
_BLOCK = 16


def _toeplitz_block(kernel: Tensor, block: int, stride: int) -> Tensor:
    """Banded matrix ``T`` with ``T[j, j * stride + k] = kernel[k]``."""
    size = kernel.numel()
    span = (block - 1) * stride + size
    matrix = kernel.new_zeros(block, span)
    rows = torch.arange(block, device=kernel.device).unsqueeze(1)
    cols = rows * stride + torch.arange(size, device=kernel.device)
    matrix[rows.expand(block, size), cols] = kernel.expand(block, size)
    return matrix


def _row_block(out_rows: int, height: int, stride: int) -> int:
    """Output rows per banded product along H.

    At most ``_BLOCK``; with stride 1, a divisor of ``height`` between
    ``_BLOCK / 2`` and ``_BLOCK`` where there is one, which lets
    :func:`_correlate_rows` read the input without copying it.
    """
    block = min(_BLOCK, out_rows)
    if stride == 1 and height % block:
        block = next(
            (b for b in range(block, _BLOCK // 2 - 1, -1) if height % b == 0),
            block)
    return block


def _correlate_rows(x: Tensor,
                    kernel: Tensor,
                    stride: int,
                    tail: int = 0) -> Tuple[Tensor, int]:
    """'valid' correlation along dim -2 with a stride, rows padded.

    The output rows are cut into blocks; each block is one small banded
    matrix times a window of input rows. The windows of all images and
    blocks are equally spaced, either in ``x`` itself (stride 1, contiguous
    ``x`` whose height is a multiple of the block) or in one zero-padded
    copy of it, so all blocks are a single batched matrix product on a
    strided view (no window copies, one parallel operation).

    Args:
        x (Tensor): ``[..., H, W]``, any strides, ``H >= kernel size``.
        kernel (Tensor): ``[N]`` 1-D kernel.
        stride (int): Output subsampling step.
        tail (int): Finite elements to keep after the output in its
            storage, for strided views that read past its end. Defaults
            to 0.

    Returns:
        tuple[Tensor, int]: The output ``[..., R, W]``, contiguous, and
        the number ``(H - N) // stride + 1 <= R`` of its leading rows that
        are 'valid' outputs (the others are finite).
    """
    size = kernel.numel()
    *batch, height, width = x.shape
    num_images = math.prod(batch)
    out_rows = (height - size) // stride + 1
    block = _row_block(out_rows, height, stride)
    step = block * stride
    span = (block - 1) * stride + size
    # Windows of image i start at rows i * padded + j * step; a window may
    # read past its image (into the next one or the tail) only for rows
    # that feed discarded outputs, and those rows must be finite.
    num_blocks = max(math.ceil(out_rows / block), math.ceil(height / step))
    padded = num_blocks * step
    count = num_images * num_blocks
    storage = x.new_empty(count * block * width + tail)
    storage[count * block * width:].zero_()
    out = storage[:count * block * width].view(count, block, width)
    band = _toeplitz_block(kernel, block, stride)
    if x.is_contiguous() and padded == height and span <= 2 * step:
        # Only the very last window would read past the end of x; it is a
        # zero-padded copy of its last `step` rows.
        source, count = x, count - 1
        last = x.new_zeros(span, width)
        last[:step] = x.reshape(-1, width)[count * step:]
        torch.mm(band, last, out=out[-1])
    else:
        source = x.new_empty(num_images * padded * width + span * width)
        images = source[:num_images * padded * width].view(
            num_images, padded, width)
        images[:, :height].copy_(x.reshape(num_images, height, width))
        images[:, height:].zero_()
        source[num_images * padded * width:].zero_()
    windows = source.as_strided((count, span, width), (step * width, width, 1),
                                source.storage_offset())
    torch.bmm(band.expand(count, block, span), windows, out=out[:count])
    return out.view(*batch, num_blocks * block, width), out_rows


def filter_valid(x: Tensor, kernel: Tensor, stride: int = 1) -> Tensor:
    """Separable 2-D filtering, MATLAB ``filter2(k' * k, x, 'valid')``.

    Correlation (not convolution; the kernels used are symmetric anyway)
    with the outer product of ``kernel`` with itself, keeping only outputs
    whose window lies inside the image. ``stride`` 2 returns
    ``out(1:2:end, 1:2:end)`` of the full 'valid' output without computing
    the dropped samples. An image smaller than the kernel gives an empty
    output, like MATLAB. Each 1-D pass is one batched banded matrix
    product.

    Args:
        x (Tensor): ``[..., H, W]`` float image(s).
        kernel (Tensor): ``[N]`` 1-D kernel of the same dtype and device.
        stride (int): Output subsampling step. Defaults to 1.

    Returns:
        Tensor: ``[..., (H - N) // stride + 1, (W - N) // stride + 1]``
        (a dimension is 0 where the image is smaller than the kernel).
    """
    size = kernel.numel()
    height, width = x.shape[-2:]
    out_h = (height - size) // stride + 1 if height >= size else 0
    out_w = (width - size) // stride + 1 if width >= size else 0
    if not out_h or not out_w:
        return x.new_zeros(x.shape[:-2] + (out_h, out_w))
    rows, _ = _correlate_rows(x, kernel, stride)
    cols, _ = _correlate_rows(rows[..., :out_h, :].transpose(-1, -2), kernel,
                              stride)
    return cols[..., :out_w, :].transpose(-1, -2)


def filter_valid_unordered(x: Tensor, kernel: Tensor) -> Tuple[Tensor, Tensor]:
    """:func:`filter_valid` (stride 1) with its outputs in column-block
    order.

    For statistics that only sum over pixels (SSIM's mean, VIF's sums) the
    pixel order does not matter, which saves the transposition of
    :func:`filter_valid`: the pass along H writes row-major images, and the
    pass along W reads blocks of columns of them as strided views, one
    matrix product per image whose long side is the image height. Every
    channel has the same order, so element-wise operations between
    channels stay valid.

    Args:
        x (Tensor): ``[..., H, W]`` float image(s), ``H, W >= N``.
        kernel (Tensor): ``[N]`` 1-D kernel of the same dtype and device.

    Returns:
        tuple[Tensor, Tensor]: The outputs ``[..., P]`` with
        ``P >= (H - N + 1) (W - N + 1)``, and a bool mask ``[P]`` of the
        positions that are 'valid' outputs (the others are finite padding
        to drop from sums).
    """
    size = kernel.numel()
    *batch, _, width = x.shape
    out_w = width - size + 1
    block = min(_BLOCK, out_w)
    span = block + size - 1
    num_blocks = math.ceil(out_w / block)
    # Windows of the last column block read past the end of a row: into
    # the next row, or past the last image into the zero tail.
    rows, out_h = _correlate_rows(x, kernel, 1, tail=span)
    rows = rows.reshape(-1, *rows.shape[-2:])
    height = rows.shape[1]
    band = _toeplitz_block(kernel, block, 1).t()
    out = x.new_empty(rows.shape[0], num_blocks, height, block)
    for image, result in zip(rows, out):
        windows = image.as_strided((num_blocks, height, span),
                                   (block, width, 1))
        torch.bmm(windows, band.expand(num_blocks, span, block), out=result)
    # Output (image, i, r, c) is pixel (r, i * block + c).
    device = x.device
    row = torch.arange(height, device=device).view(1, -1, 1)
    col = (
        torch.arange(num_blocks, device=device).view(-1, 1, 1) * block +
        torch.arange(block, device=device))
    valid = ((row < out_h) & (col < out_w)).flatten()
    return out.view(*batch, -1), valid


def sobel_conv2_same(x: Tensor) -> Tuple[Tensor, Tensor]:
    """Sobel responses as MATLAB ``conv2(x, h, 'same')`` (zero padding).

    ``h3 = [-1 0 1; -2 0 2; -1 0 1]`` gives ``gx`` and
    ``h1 = [1 2 1; 0 0 0; -1 -2 -1]`` gives ``gy``, both as true
    convolutions (kernel rotated by 180 degrees) over the image padded with
    zeros, computed separably. Integer inputs (e.g. int32 copies of uint8
    images) give exact integer results.

    Args:
        x (Tensor): ``[..., H, W]`` image(s), integer or float.

    Returns:
        tuple[Tensor, Tensor]: ``gx`` and ``gy``, both ``[..., H, W]`` of
        the dtype of ``x``.
    """
    padded = F.pad(x, (1, 1, 1, 1))
    # rot180(h3) = [1 2 1]' * [1 0 -1]; rot180(h1) = [-1 0 1]' * [1 2 1].
    smooth_rows = torch.add(padded[..., :-2, :], padded[..., 2:, :]).add_(
        padded[..., 1:-1, :], alpha=2)
    grad_x = smooth_rows[..., :-2] - smooth_rows[..., 2:]
    smooth_cols = torch.add(padded[..., :-2], padded[..., 2:]).add_(
        padded[..., 1:-1], alpha=2)
    grad_y = smooth_cols[..., 2:, :] - smooth_cols[..., :-2, :]
    return grad_x, grad_y
