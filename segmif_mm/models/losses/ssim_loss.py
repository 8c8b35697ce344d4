import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS
from .utils import check_luminance_inputs, ssim_map


@MODELS.register_module()
class SSIMLoss(nn.Module):
    """Structure loss of SegMiF (paper eq. 3).

    .. math::

        L_{SSIM} = (1 - SSIM(u, x)) / 2 + (1 - SSIM(u, y)) / 2

    where ``u`` is the fused luminance, ``x`` the visible luminance and ``y``
    the infrared image. SSIM is Wang et al.'s index (Gaussian window 11,
    sigma 1.5, ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2`` with ``L = 1`` for
    ``[0, 1]`` data, 'valid' filtering, see :func:`ssim_map`), averaged over
    each image and then over the batch. The loss lies in ``[0, 2]`` (SSIM is
    in ``[-1, 1]``) and is 0 only when ``u``, ``x`` and ``y`` agree.

    Args:
        window_size (int): Gaussian window size. Defaults to 11.
        sigma (float): Gaussian standard deviation. Defaults to 1.5.
        data_range (float): Dynamic range of the inputs. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. If you want this loss
            item to be included into the backward graph, `loss_` must be the
            prefix of the name. Defaults to 'loss_ssim'.
    """

    def __init__(self,
                 window_size: int = 11,
                 sigma: float = 1.5,
                 data_range: float = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ssim'):
        super().__init__()
        self.window_size = window_size
        self.sigma = sigma
        self.data_range = data_range
        self.loss_weight = loss_weight
        self.loss_name_ = loss_name

    def _ssim(self, img1: Tensor, img2: Tensor) -> Tensor:
        """Mean SSIM per image, shape ``[B]``."""
        return ssim_map(
            img1,
            img2,
            data_range=self.data_range,
            window_size=self.window_size,
            sigma=self.sigma).mean(dim=(1, 2, 3))

    def forward(self, u: Tensor, x: Tensor, y: Tensor) -> Tensor:
        """Forward function.

        Args:
            u (Tensor): Fused luminance ``[B, 1, H, W]`` in [0, 1], H and W
                at least ``window_size``.
            x (Tensor): Visible luminance ``[B, 1, H, W]`` in [0, 1].
            y (Tensor): Infrared image ``[B, 1, H, W]`` in [0, 1].

        Returns:
            Tensor: Scalar loss in ``[0, 2 * loss_weight]``.
        """
        check_luminance_inputs(u=u, x=x, y=y)
        loss = (1 - self._ssim(u, x)) / 2 + (1 - self._ssim(u, y)) / 2
        return self.loss_weight * loss.mean()

    @property
    def loss_name(self) -> str:
        return self.loss_name_
