from typing import Dict, Optional

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.utils import ConfigType
from .utils import check_luminance_inputs


@MODELS.register_module()
class FusionLoss(nn.Module):
    """Image fusion loss of SegMiF (paper §3.3).

    .. math::

        L_f = L_{SSIM} + L_{MSE} + \\eta L_{grad}

    built from three configurable loss modules (by default
    :class:`SSIMLoss`, :class:`SaliencyPixelLoss` and
    :class:`GradientDetailLoss`). The terms are returned separately, keyed by
    each module's ``loss_name``, so that mmengine logs them one by one and
    sums them in ``parse_losses``; ``eta`` is already applied to the gradient
    term. The paper gives no value for ``eta``.

    The terms are always computed in float32, with autocast switched off:
    under float16 mixed precision, SSIM's variances cancel catastrophically
    and its denominators ``(mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 +
    C2)``, about 1e-7 in flat dark regions, fall below float16's normal
    range, so gradients overflow and every step would be skipped by the loss
    scaler.

    Example:
        >>> fusion_loss = dict(
        ...     type='FusionLoss',
        ...     pixel_cfg=dict(type='SaliencyPixelLoss', mode='weighted'),
        ...     eta=1.0)

    Args:
        ssim_cfg (dict): Config of the structure loss (``L_SSIM``).
            Defaults to ``dict(type='SSIMLoss')``.
        pixel_cfg (dict): Config of the saliency pixel loss (``L_MSE``),
            called as ``loss(u, x, y, saliency)``. Defaults to
            ``dict(type='SaliencyPixelLoss')``.
        grad_cfg (dict): Config of the detail loss (``L_grad``).
            Defaults to ``dict(type='GradientDetailLoss')``.
        eta (float): Weight of the gradient loss, non-negative.
            Defaults to 1.0.
    """

    def __init__(self,
                 ssim_cfg: ConfigType = dict(type='SSIMLoss'),
                 pixel_cfg: ConfigType = dict(type='SaliencyPixelLoss'),
                 grad_cfg: ConfigType = dict(type='GradientDetailLoss'),
                 eta: float = 1.0):
        super().__init__()
        if eta < 0:
            raise ValueError(f'FusionLoss eta must be >= 0, got {eta}.')
        self.loss_ssim = MODELS.build(ssim_cfg)
        self.loss_pixel = MODELS.build(pixel_cfg)
        self.loss_grad = MODELS.build(grad_cfg)
        self.eta = eta
        names = [
            self.loss_ssim.loss_name, self.loss_pixel.loss_name,
            self.loss_grad.loss_name
        ]
        if len(set(names)) != len(names):
            raise ValueError(f'The `loss_name`s of the FusionLoss terms must '
                             f'differ, got {names}; set distinct loss_name '
                             f'values in ssim_cfg, pixel_cfg and grad_cfg.')

    def forward(self,
                u: Tensor,
                x: Tensor,
                y: Tensor,
                saliency: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Forward function.

        Args:
            u (Tensor): Fused luminance ``[B, 1, H, W]`` in [0, 1].
            x (Tensor): Visible luminance ``[B, 1, H, W]`` in [0, 1].
            y (Tensor): Infrared image ``[B, 1, H, W]`` in [0, 1].
            saliency (Tensor, optional): Saliency maps of the whole source
                images ``[B, 2, H, W]`` for the pixel loss (see
                :meth:`SaliencyPixelLoss.saliency_weights`). Defaults to
                None (computed from ``x`` and ``y``).

        Returns:
            dict[str, Tensor]: Scalar float32 terms keyed by loss name (by
            default ``loss_ssim``, ``loss_pixel`` and ``loss_grad``, the
            latter multiplied by ``eta``). Their sum is ``L_f``.
        """
        check_luminance_inputs(u=u, x=x, y=y)
        with torch.autocast(u.device.type, enabled=False):
            u, x, y = u.float(), x.float(), y.float()
            return {
                self.loss_ssim.loss_name: self.loss_ssim(u, x, y),
                self.loss_pixel.loss_name: self.loss_pixel(u, x, y, saliency),
                self.loss_grad.loss_name: self.eta * self.loss_grad(u, x, y),
            }
