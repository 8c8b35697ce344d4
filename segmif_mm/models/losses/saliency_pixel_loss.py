from typing import Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS
from .utils import check_luminance_inputs
from .vsm import visual_saliency_map

WEIGHT_RULES = ('ma', 'ratio')


@MODELS.register_module()
class SaliencyPixelLoss(nn.Module):
    """Saliency-weighted pixel loss of SegMiF (paper eq. 4, ``L_MSE``).

    The weights come from the visual saliency maps ``S_x``, ``S_y`` in
    ``[0, 1]`` (VSM, Ma et al. 2017, see :func:`visual_saliency_map`) of the
    two sources, and ``m_2 = 1 - m_1``. VSM depends on the whole image's
    histogram, so training on crops passes the maps of the whole images
    (``saliency``, from the pipeline's
    :class:`~segmif_mm.datasets.transforms.GenerateSaliencyMaps`);
    without them they are computed from the given images on their device.
    The rule:

    * ``weight_rule='ma'`` (default): Ma et al.'s own rule for two saliency
      maps, :math:`m_1 = 0.5 + 0.5 (S_x - S_y)`, in ``[0, 1]``. Where both
      saliencies are alike (e.g. both small) the weights stay near 0.5.
    * ``weight_rule='ratio'``: :math:`m_1 = S_x / (S_x + S_y)`, with
      ``m_1 = 0.5`` where both are 0. Unstable where both saliencies are
      small (a sixth to a third of a real frame), where it jumps between 0
      and 1.

    The paper (eq. 4) takes m1, m2 "from VSM" without the rule; the measured
    choice is in ``docs/fusion_real.md``. ``u`` is the fused
    luminance, ``x`` the visible luminance, ``y`` the infrared image, all in
    ``[0, 1]``; ``mean`` is over all pixels of the batch.

    * ``mode='weighted'`` (default, well-posed):
      ``L = mean(m_1 (u - x)^2 + m_2 (u - y)^2)``. Its pixel-wise minimiser is
      ``u = m_1 x + m_2 y``, a convex combination of the sources favouring the
      more salient one. Range ``[0, 1]``; 0 when ``u = x = y``.
    * ``mode='literal'``: the paper's formula as printed,
      ``L = mean((u - m_1 x)^2) + mean((u - m_2 y)^2)``. Its minimiser is
      ``u = (m_1 x + m_2 y) / 2``, i.e. it pulls the fused image toward about
      half the source intensity; kept for reproducing the paper's text only.
      Range ``[0, 2]``.

    Args:
        mode (str): ``'weighted'`` or ``'literal'``. Defaults to 'weighted'.
        weight_rule (str): ``'ma'`` or ``'ratio'``, see above.
            Defaults to 'ma'.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. If you want this loss
            item to be included into the backward graph, `loss_` must be the
            prefix of the name. Defaults to 'loss_pixel'.
    """

    def __init__(self,
                 mode: str = 'weighted',
                 weight_rule: str = 'ma',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_pixel'):
        super().__init__()
        if mode not in ('weighted', 'literal'):
            raise ValueError(f"SaliencyPixelLoss mode must be 'weighted' or "
                             f"'literal', got {mode!r}.")
        if weight_rule not in WEIGHT_RULES:
            raise ValueError(f'SaliencyPixelLoss weight_rule must be one of '
                             f'{WEIGHT_RULES}, got {weight_rule!r}.')
        self.mode = mode
        self.weight_rule = weight_rule
        self.loss_weight = loss_weight
        self.loss_name_ = loss_name

    @staticmethod
    def saliency_weights(
            x: Tensor,
            y: Tensor,
            rule: str = 'ma',
            saliency: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """VSM weights of the two sources.

        Args:
            x (Tensor): Visible luminance ``[B, 1, H, W]`` in [0, 1].
            y (Tensor): Infrared image ``[B, 1, H, W]`` in [0, 1].
            rule (str): ``'ma'`` or ``'ratio'`` (class docstring).
                Defaults to 'ma'.
            saliency (Tensor, optional): ``[B, 2, H, W]``: the saliency maps
                S_x, S_y in [0, 1] of the whole images ``x`` and ``y`` were
                cut from (:class:`~segmif_mm.datasets.transforms.
                GenerateSaliencyMaps`); entries above 1 (padding marked with
                255) get equal weights. Defaults to None: the maps of ``x``
                and ``y`` themselves, which is the same for whole images.

        Returns:
            tuple[Tensor, Tensor]: ``m1`` and ``m2 = 1 - m1``, each
            ``[B, 1, H, W]`` in [0, 1], without gradients.
        """
        if rule not in WEIGHT_RULES:
            raise ValueError(f'rule must be one of {WEIGHT_RULES}, got '
                             f'{rule!r}.')
        if saliency is None:
            sal_x, sal_y = visual_saliency_map(x), visual_saliency_map(y)
            padded = None
        else:
            if saliency.shape != (x.shape[0], 2, *x.shape[2:]):
                raise ValueError(
                    f'saliency must be [B, 2, H, W] = '
                    f'{[x.shape[0], 2, *x.shape[2:]]} (S_x, S_y of the '
                    f'sources), got {list(saliency.shape)}.')
            saliency = saliency.detach().to(x.dtype)
            padded = (saliency > 1).any(dim=1, keepdim=True)
            sal_x, sal_y = saliency.clamp(max=1).split(1, dim=1)
        if rule == 'ma':
            m1 = 0.5 + 0.5 * (sal_x - sal_y)
        else:
            total = sal_x + sal_y
            m1 = torch.where(total > 0, sal_x / total.clamp(min=1e-12),
                             torch.full_like(total, 0.5))
        if padded is not None:
            m1 = m1.masked_fill(padded, 0.5)
        return m1, 1 - m1

    def forward(self,
                u: Tensor,
                x: Tensor,
                y: Tensor,
                saliency: Optional[Tensor] = None) -> Tensor:
        """Forward function.

        Args:
            u (Tensor): Fused luminance ``[B, 1, H, W]`` in [0, 1].
            x (Tensor): Visible luminance ``[B, 1, H, W]`` in [0, 1].
            y (Tensor): Infrared image ``[B, 1, H, W]`` in [0, 1].
            saliency (Tensor, optional): Whole-image saliency maps
                ``[B, 2, H, W]``, see :meth:`saliency_weights`. Defaults to
                None (computed from ``x`` and ``y``).

        Returns:
            Tensor: Scalar loss (range in the class docstring, times
            ``loss_weight``).
        """
        check_luminance_inputs(u=u, x=x, y=y)
        m1, m2 = self.saliency_weights(x, y, self.weight_rule, saliency)
        if self.mode == 'weighted':
            loss = (m1 * (u - x)**2 + m2 * (u - y)**2).mean()
        else:
            loss = ((u - m1 * x)**2).mean() + ((u - m2 * y)**2).mean()
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        return self.loss_name_
