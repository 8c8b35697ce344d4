from typing import Sequence

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS
from .utils import check_luminance_inputs, gaussian_filter


@MODELS.register_module()
class GradientDetailLoss(nn.Module):
    """Multi-scale detail (gradient) loss of SegMiF (paper eq. 5).

    .. math::

        L_{grad} = \\sum_{k} mean((\\nabla_k u
                   - \\max(\\nabla_k x, \\nabla_k y))^2),
        \\quad \\nabla_k I = I - G_k * I

    ``u`` is the fused luminance, ``x`` the visible luminance and ``y`` the
    infrared image, all ``[B, 1, H, W]`` in ``[0, 1]``. ``G_k`` is a
    normalised ``k x k`` Gaussian with OpenCV's default standard deviation for
    that size, ``sigma = 0.3 ((k - 1) / 2 - 1) + 0.8`` (0.8, 1.1, 1.4 for
    k = 3, 5, 7), applied with reflect padding (``BORDER_REFLECT_101``), so
    ``nabla_k I`` is the band-pass detail layer at scale k, in ``[-1, 1]``.

    The paper writes ``max(nabla x, nabla y)`` without saying whether the
    maximum is signed. Detail layers are signed (positive on the bright side
    of an edge, negative on the dark side), so a signed maximum would prefer
    the weaker detail wherever both are negative and halve edge contrast.
    The default ``max_mode='magnitude'`` therefore takes, per pixel, the
    detail of larger absolute value and keeps its sign (the classic
    choose-max rule of multi-scale fusion); ``max_mode='signed'`` is the
    literal element-wise maximum.

    The loss is ``>= 0`` (each term at most 4) and 0 when ``u`` has exactly
    the selected details, e.g. when ``u = x = y`` or all are constant.

    Args:
        kernel_sizes (Sequence[int]): Odd Gaussian kernel sizes k.
            Defaults to (3, 5, 7).
        max_mode (str): ``'magnitude'`` or ``'signed'``, see above.
            Defaults to 'magnitude'.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. If you want this loss
            item to be included into the backward graph, `loss_` must be the
            prefix of the name. Defaults to 'loss_grad'.
    """

    def __init__(self,
                 kernel_sizes: Sequence[int] = (3, 5, 7),
                 max_mode: str = 'magnitude',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_grad'):
        super().__init__()
        if max_mode not in ('magnitude', 'signed'):
            raise ValueError(f"GradientDetailLoss max_mode must be "
                             f"'magnitude' or 'signed', got {max_mode!r}.")
        if not kernel_sizes or any(k < 3 or k % 2 == 0 for k in kernel_sizes):
            raise ValueError(f'GradientDetailLoss kernel_sizes must be odd '
                             f'numbers >= 3, got {kernel_sizes}.')
        self.kernel_sizes = tuple(kernel_sizes)
        self.max_mode = max_mode
        self.loss_weight = loss_weight
        self.loss_name_ = loss_name

    @staticmethod
    def sigma_for_size(kernel_size: int) -> float:
        """OpenCV's default Gaussian sigma for a kernel size."""
        return 0.3 * ((kernel_size - 1) * 0.5 - 1) + 0.8

    def detail(self, img: Tensor, kernel_size: int) -> Tensor:
        """Detail layer ``img - G_k * img``.

        Args:
            img (Tensor): Images ``[B, C, H, W]``; H and W larger than
                ``kernel_size // 2``.
            kernel_size (int): Gaussian kernel size k.

        Returns:
            Tensor: Detail layer of the same shape as ``img``.
        """
        return img - gaussian_filter(
            img,
            kernel_size,
            self.sigma_for_size(kernel_size),
            padding='reflect')

    def _select(self, detail_x: Tensor, detail_y: Tensor) -> Tensor:
        """Per-pixel target detail from the two sources."""
        if self.max_mode == 'signed':
            return torch.maximum(detail_x, detail_y)
        return torch.where(detail_x.abs() >= detail_y.abs(), detail_x,
                           detail_y)

    def forward(self, u: Tensor, x: Tensor, y: Tensor) -> Tensor:
        """Forward function.

        Args:
            u (Tensor): Fused luminance ``[B, 1, H, W]`` in [0, 1].
            x (Tensor): Visible luminance ``[B, 1, H, W]`` in [0, 1].
            y (Tensor): Infrared image ``[B, 1, H, W]`` in [0, 1].

        Returns:
            Tensor: Scalar loss, ``>= 0``.
        """
        check_luminance_inputs(u=u, x=x, y=y)
        loss = u.new_zeros(())
        images = torch.cat([u, x, y], dim=1)
        for k in self.kernel_sizes:
            detail_u, detail_x, detail_y = self.detail(images, k).split(
                1, dim=1)
            target = self._select(detail_x, detail_y)
            loss = loss + ((detail_u - target)**2).mean()
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        return self.loss_name_
