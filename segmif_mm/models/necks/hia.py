from typing import Dict, Sequence, Tuple

import torch
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptMultiConfig
from ..utils import unpack_interaction_inputs

MODALITIES = ('ir', 'vis')


def context_attention(query: Tensor, key: Tensor, value: Tensor,
                      num_heads: int, temperature: Tensor) -> Tensor:
    """Multi-head attention through a global context matrix.

    Per head ``h`` with ``d = C / num_heads`` channels:

    .. math::
        G_h = \\mathrm{softmax}_{row}(\\tau_h K_h^T V_h / N), \\qquad
        out_h = Q_h G_h

    ``G_h`` is ``d x d``, so cost and memory are linear in the number of
    tokens N; the ``N x N`` attention map is never formed. Dividing by N
    keeps the context logits independent of the image size.

    Args:
        query (Tensor): Queries ``[B, N, C]``.
        key (Tensor): Keys ``[B, N, C]``.
        value (Tensor): Values ``[B, N, C]``.
        num_heads (int): Number of heads; divides C.
        temperature (Tensor): Per-head factor τ of shape ``[num_heads]``.

    Returns:
        Tensor: Attention output ``[B, N, C]``.
    """
    batch, tokens, channels = query.shape

    def heads(x: Tensor) -> Tensor:
        return x.reshape(batch, tokens, num_heads, -1).transpose(1, 2)

    # Scale the keys before the product: the N-term sum becomes a mean and
    # cannot overflow in half precision.
    key = heads(key) * (temperature.view(1, -1, 1, 1) / tokens)
    context = (key.transpose(-2, -1) @ heads(value)).softmax(-1)
    out = heads(query) @ context
    return out.transpose(1, 2).reshape(batch, tokens, channels)


@MODELS.register_module()
class HierarchicalInteractiveAttention(BaseModule):
    """Hierarchical interactive attention (HIA) of SegMiF (ICCV 2023, §3.2).

    Lets the infrared and visible fusion features interact with the
    segmentation features. A channel embedding (linear) yields the
    segmentation stream's semantic tokens :math:`F_{seg}^s` and each
    modality's modality tokens :math:`F_x^m`, ``x in {ir, vis}`` (the other
    halves of the paper's decomposition are not used by its attentions and
    are not computed). Then, per head and with linear cost in the number of
    pixels N (see :func:`context_attention`):

    * SoAM (semantic-oriented): :math:`Q_s` from :math:`F_{seg}^s`,
      :math:`K_x, V_x` from :math:`F_x^m`,
      :math:`G_x = softmax(\\tau K_x^T V_x / N)`, :math:`S_x = Q_s G_x`.
    * MoAM (modality-oriented): :math:`Q_x` from :math:`F_x^m`,
      :math:`K_s, V_s` from :math:`F_{seg}^s`,
      :math:`G_s = softmax(\\tau K_s^T V_s / N)`, :math:`M_x = Q_x G_s`.

    Per modality, :math:`f_x' = Norm(f_x + MLP_x([S_x, M_x]))`. The softmax
    runs over the last dimension of the ``d x d`` context; τ is a learnable
    per-head temperature (initialised to 1, one per attention module and
    modality) that lets the model sharpen the context, which the 1/N
    normalisation otherwise keeps smooth.

    Ablations (paper Table 3): ``use_soam=False`` drops :math:`S_x` and
    ``use_moam=False`` drops :math:`M_x` from the concatenation (the MLP
    input shrinks to C); with both off (variant M1) the MLP takes
    :math:`F_x^m` alone, the segmentation features are not used
    (``uses_semantic_features`` is False) and ``f_seg`` may be None.

    Args:
        channels (int): Channels C of all three inputs. Defaults to 64.
        num_heads (int): Attention heads; must divide C. Defaults to 8.
        use_soam (bool): Use the semantic-oriented attention.
            Defaults to True.
        use_moam (bool): Use the modality-oriented attention.
            Defaults to True.
        mlp_ratio (float): Hidden width of the MLPs as a multiple of C.
            Defaults to 2.0.
        qkv_bias (bool): Bias in the query/key/value projections.
            Defaults to True.
        act_cfg (dict): Activation of the MLPs.
            Defaults to ``dict(type='GELU')``.
        norm_cfg (dict): Norm over the channel (last) dimension of the
            ``[B, N, C]`` tokens. Defaults to ``dict(type='LN')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.

    Example:
        >>> hia = HierarchicalInteractiveAttention(channels=64, num_heads=8)
        >>> feats = [torch.rand(2, 64, 32, 32) for _ in range(3)]
        >>> f_ir, f_vis = hia(feats)   # each [2, 64, 32, 32]
    """

    def __init__(self,
                 channels: int = 64,
                 num_heads: int = 8,
                 use_soam: bool = True,
                 use_moam: bool = True,
                 mlp_ratio: float = 2.0,
                 qkv_bias: bool = True,
                 act_cfg: ConfigType = dict(type='GELU'),
                 norm_cfg: ConfigType = dict(type='LN'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if channels % num_heads != 0:
            raise ValueError(f'HierarchicalInteractiveAttention: channels '
                             f'({channels}) must be divisible by num_heads '
                             f'({num_heads}).')
        self.channels = channels
        self.num_heads = num_heads
        self.use_soam = use_soam
        self.use_moam = use_moam
        num_modalities = len(MODALITIES)

        def per_modality(make) -> nn.ModuleDict:
            return nn.ModuleDict({x: make() for x in MODALITIES})

        self.modality_embeds = per_modality(
            lambda: nn.Linear(channels, channels))
        if use_soam or use_moam:
            self.semantic_embed = nn.Linear(channels, channels)
        if use_soam:
            self.soam_query = nn.Linear(channels, channels, bias=qkv_bias)
            self.soam_key_values = per_modality(
                lambda: nn.Linear(channels, 2 * channels, bias=qkv_bias))
            self.soam_temperature = nn.Parameter(
                torch.ones(num_modalities, num_heads))
        if use_moam:
            self.moam_queries = per_modality(
                lambda: nn.Linear(channels, channels, bias=qkv_bias))
            self.moam_key_value = nn.Linear(
                channels, 2 * channels, bias=qkv_bias)
            self.moam_temperature = nn.Parameter(
                torch.ones(num_modalities, num_heads))
        mlp_in = channels * max(int(use_soam) + int(use_moam), 1)
        hidden = int(channels * mlp_ratio)
        self.mlps = per_modality(lambda: nn.Sequential(
            nn.Linear(mlp_in, hidden), build_activation_layer(act_cfg),
            nn.Linear(hidden, channels)))
        self.norms = per_modality(
            lambda: build_norm_layer(norm_cfg, channels)[1])

    @property
    def uses_semantic_features(self) -> bool:
        """bool: Whether ``f_seg`` is used (False for variant M1)."""
        return self.use_soam or self.use_moam

    def interact(self, tokens: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Features each modality's MLP takes (before the residual).

        Args:
            tokens (dict[str, Tensor]): ``ir``, ``vis`` and ``seg`` tokens
                ``[B, N, C]`` (``seg`` only when an attention is on).

        Returns:
            dict[str, Tensor]: Per modality the concatenation of
            :math:`S_x` and/or :math:`M_x` (``[B, N, C]`` or
            ``[B, N, 2C]``), or :math:`F_x^m` when both attentions are off.
        """
        modality = {x: self.modality_embeds[x](tokens[x]) for x in MODALITIES}
        if not (self.use_soam or self.use_moam):
            return modality
        semantic = self.semantic_embed(tokens['seg'])
        parts = {x: [] for x in MODALITIES}
        if self.use_soam:
            query = self.soam_query(semantic)
            for i, x in enumerate(MODALITIES):
                key, value = self.soam_key_values[x](modality[x]).chunk(2, -1)
                parts[x].append(
                    context_attention(query, key, value, self.num_heads,
                                      self.soam_temperature[i]))
        if self.use_moam:
            key, value = self.moam_key_value(semantic).chunk(2, -1)
            for i, x in enumerate(MODALITIES):
                parts[x].append(
                    context_attention(self.moam_queries[x](modality[x]), key,
                                      value, self.num_heads,
                                      self.moam_temperature[i]))
        return {x: torch.cat(parts[x], dim=-1) for x in MODALITIES}

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Let the modality features interact with the semantic features.

        Args:
            inputs (Sequence[Tensor]): ``(f_ir, f_vis, f_seg)``, each
                ``[B, C, H, W]``; ``f_seg`` may be None when both attentions
                are off.

        Returns:
            tuple[Tensor, Tensor]: ``(f_ir', f_vis')``, each ``[B, C, H, W]``.
        """
        f_ir, f_vis, f_seg = unpack_interaction_inputs(
            inputs,
            owner=type(self).__name__,
            channels=self.channels,
            need_seg=self.uses_semantic_features)
        batch, channels, height, width = f_ir.shape
        streams = dict(ir=f_ir, vis=f_vis)
        if self.uses_semantic_features:
            streams['seg'] = f_seg
        tokens = {x: f.flatten(2).transpose(1, 2) for x, f in streams.items()}
        mixed = self.interact(tokens)
        outs = []
        for x in MODALITIES:
            out = self.norms[x](tokens[x] + self.mlps[x](mixed[x]))
            outs.append(
                out.transpose(1, 2).reshape(batch, channels, height, width))
        return tuple(outs)
