from typing import Optional

import torch
from torch import Tensor


def gaussian_kernel1d(size: int,
                      sigma: float,
                      dtype: torch.dtype = torch.float32,
                      device: Optional[torch.device] = None) -> Tensor:
    """Normalised 1-D Gaussian window.

    ``g(t) = exp(-(t - c)^2 / (2 sigma^2)) / Z`` for ``t = 0..size-1``,
    ``c = (size - 1) / 2``, ``Z`` making the taps sum to 1. The outer product
    of two such windows equals MATLAB's ``fspecial('gaussian', size, sigma)``.

    Args:
        size (int): Number of taps, odd and positive.
        sigma (float): Standard deviation in pixels, positive.
        dtype (torch.dtype): Dtype of the window. Defaults to torch.float32.
        device (torch.device, optional): Device of the window.

    Returns:
        Tensor: Window of shape ``[size]``, summing to 1.
    """
    if size < 1 or size % 2 == 0:
        raise ValueError(f'Gaussian kernel size must be odd and positive, '
                         f'got {size}.')
    if sigma <= 0:
        raise ValueError(f'Gaussian sigma must be positive, got {sigma}.')
    t = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    kernel = torch.exp(-t**2 / (2 * sigma**2))
    return kernel / kernel.sum()
