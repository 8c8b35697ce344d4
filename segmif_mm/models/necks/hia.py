import math
from typing import Dict, Sequence, Tuple

import torch
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptMultiConfig
from ..utils import unpack_interaction_inputs

MODALITIES = ('ir', 'vis')
CONTEXT_SCALES = ('mean', 'sum', 'cosine')
CONTEXT_AXES = ('value', 'key')


def head_means(key: Tensor, value: Tensor, num_heads: int) -> Tensor:
    """Per-head mean over the tokens of the key-value outer products.

    For keys and values of N tokens, returns :math:`K_h^T V_h / N` for every
    head ``h`` (``d = C / num_heads`` channels each). The keys are scaled
    before the product, so the sum cannot overflow in half precision; the
    result is float32.

    Args:
        key (Tensor): Keys ``[B, N, C]``.
        value (Tensor): Values ``[B, N, C]``.
        num_heads (int): Number of heads; divides C.

    Returns:
        Tensor: ``[B, num_heads, d, d]`` in float32.
    """
    batch, tokens, _ = key.shape

    def heads(x: Tensor) -> Tensor:
        return x.reshape(batch, tokens, num_heads, -1).transpose(1, 2)

    key = heads(key) / tokens
    return (key.transpose(-2, -1) @ heads(value)).float()


def attend(query: Tensor, context: Tensor) -> Tensor:
    """Apply per-head contexts to queries: :math:`out_h = Q_h G_h`.

    Args:
        query (Tensor): Queries ``[B, n, C]``.
        context (Tensor): Contexts ``[B, num_heads, d, d]``.

    Returns:
        Tensor: ``[B, n, C]``.
    """
    batch, tokens, channels = query.shape
    num_heads = context.shape[1]
    out = query.reshape(batch, tokens, num_heads, -1).transpose(1, 2) @ \
        context.to(query.dtype)
    return out.transpose(1, 2).reshape(batch, tokens, channels)


@MODELS.register_module()
class HierarchicalInteractiveAttention(BaseModule):
    """Hierarchical interactive attention (HIA) of SegMiF (ICCV 2023, §3.2).

    Lets the infrared and visible fusion features interact with the
    segmentation features. A channel embedding (linear) yields the
    segmentation stream's semantic tokens :math:`F_{seg}^s` and each
    modality's modality tokens :math:`F_x^m`, ``x in {ir, vis}`` (the other
    halves of the paper's decomposition are not used by its attentions and
    are not computed). Then, per head ``h`` (``d = C / num_heads``
    channels) and with linear cost in the number of pixels N:

    * SoAM (semantic-oriented): :math:`Q_s` from :math:`F_{seg}^s`,
      :math:`K_x, V_x` from :math:`F_x^m`,
      :math:`G_x = softmax(\\tau K_x^T V_x / N)`, :math:`S_x = Q_s G_x`.
    * MoAM (modality-oriented): :math:`Q_x` from :math:`F_x^m`,
      :math:`K_s, V_s` from :math:`F_{seg}^s`,
      :math:`G_s = softmax(\\tau K_s^T V_s / N)`, :math:`M_x = Q_x G_s`.

    Per modality, :math:`f_x' = Norm(f_x + MLP_x([S_x, M_x]))`. The
    contexts :math:`G` are ``d x d`` per head, so the ``N x N`` attention
    map is never formed. τ is a learnable per-head temperature (one per
    attention module and modality, initialised to ``temperature_init``).

    The paper gives neither the scale of :math:`K^T V` nor the softmax axis;
    ``context_scale`` and ``context_axis`` choose them (rows of :math:`K^T V`
    are key channels, columns value channels):

    * ``'mean'`` (as written above): :math:`\\tau K^T V / N`. Independent of
      the image size, but nearly uniform at initialisation (entries
      0.115-0.134 for d = 8).
    * ``'sum'``: :math:`\\tau d^{-1/2} K^T V`, as CMX and the authors' code.
      Not uniform at initialisation, but the logits grow with N, so a model
      trained on crops sees sharper contexts on larger test images.
    * ``'cosine'``: :math:`\\tau \\hat K^T \\hat V` with every key and
      value channel scaled to unit norm over the N tokens: entries are
      cosines in [-1, 1], independent of the image size and of the feature
      scale; ``temperature_init`` sets the sharpness at initialisation.

    ``context_axis='value'`` normalises each row (every key channel
    distributes over the value channels), ``'key'`` each column (every
    output channel is a convex mix of query channels, as CMX). The mean
    entropy of every context, divided by ``log d`` (1 = uniform), is kept in
    ``context_entropy`` for logging (``ContextEntropyHook``).

    Ablations (paper Table 3): ``use_soam=False`` drops :math:`S_x` and
    ``use_moam=False`` drops :math:`M_x` from the concatenation (the MLP
    input shrinks to C); with both off (variant M1) the MLP takes
    :math:`F_x^m` alone, the segmentation features are not used
    (``uses_semantic_features`` is False) and ``f_seg`` may be None.

    :meth:`forward` follows these steps: :meth:`embed` (channel
    embeddings), :meth:`context_means` and :meth:`contexts` (the contexts
    :math:`G`), :meth:`interact` (:math:`S_x`, :math:`M_x`) and
    :meth:`outputs` (MLP, residual, norm).

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
        context_scale (str): ``'mean'``, ``'sum'`` or ``'cosine'``, see
            above. Defaults to 'mean'.
        context_axis (str): Softmax axis of the contexts, ``'value'`` or
            ``'key'``. Defaults to 'value'.
        temperature_init (float): Initial τ. Defaults to 1.0.
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
                 context_scale: str = 'mean',
                 context_axis: str = 'value',
                 temperature_init: float = 1.0,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if channels % num_heads != 0:
            raise ValueError(f'HierarchicalInteractiveAttention: channels '
                             f'({channels}) must be divisible by num_heads '
                             f'({num_heads}).')
        if context_scale not in CONTEXT_SCALES or \
                context_axis not in CONTEXT_AXES:
            raise ValueError(
                f'HierarchicalInteractiveAttention: context_scale must be one '
                f'of {CONTEXT_SCALES} and context_axis one of {CONTEXT_AXES}'
                f', got {context_scale!r} and {context_axis!r}.')
        self.context_scale = context_scale
        self.context_axis = context_axis
        self.context_entropy: Dict[str, Tensor] = {}
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
                torch.full((num_modalities, num_heads), temperature_init))
        if use_moam:
            self.moam_queries = per_modality(
                lambda: nn.Linear(channels, channels, bias=qkv_bias))
            self.moam_key_value = nn.Linear(
                channels, 2 * channels, bias=qkv_bias)
            self.moam_temperature = nn.Parameter(
                torch.full((num_modalities, num_heads), temperature_init))
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

    def embed(self, tokens: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """Channel embeddings of the tokens.

        Args:
            tokens (dict[str, Tensor]): ``ir``, ``vis`` (and ``seg`` when an
                attention is on) tokens ``[B, N, C]``.

        Returns:
            dict[str, Tensor]: :math:`F_x^m` under ``ir`` and ``vis`` and,
            when an attention is on, the semantic embedding under ``seg``;
            each ``[B, N, C]``.
        """
        embedded = {x: self.modality_embeds[x](tokens[x]) for x in MODALITIES}
        if self.uses_semantic_features:
            embedded['seg'] = self.semantic_embed(tokens['seg'])
        return embedded

    def context_means(self, embedded: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """The pixel means the contexts of the attentions in use are made of.

        Per attention, :math:`K^T V / N` for every head and, for
        ``context_scale='cosine'``, the mean squares of the key and value
        channels under ``<name>/sq`` (``[B, 2C]``), from which
        :meth:`contexts` takes the norms.

        Args:
            embedded (dict[str, Tensor]): :meth:`embed` of the image,
                ``[B, N, C]`` each.

        Returns:
            dict[str, Tensor]: ``soam_<x>`` (from :math:`F_x^m`, SoAM) and
            ``moam`` (from :math:`F_{seg}^s`, MoAM) for the attentions in
            use, ``[B, heads, d, d]`` float32.
        """
        key_values = {}
        if self.use_soam:
            for x in MODALITIES:
                key_values[f'soam_{x}'] = self.soam_key_values[x](embedded[x])
        if self.use_moam:
            key_values['moam'] = self.moam_key_value(embedded['seg'])
        means = {}
        for name, kv in key_values.items():
            key, value = kv.chunk(2, dim=-1)
            means[name] = head_means(key, value, self.num_heads)
            if self.context_scale == 'cosine':
                means[f'{name}/sq'] = kv.float().pow(2).sum(1) / kv.shape[1]
        return means

    def contexts(self, means: Dict[str, Tensor],
                 num_tokens: int) -> Dict[str, Tensor]:
        """The attention contexts :math:`G = softmax(\\tau\\, logits)`.

        The logits are :math:`K^T V / N` (``'mean'``),
        :math:`d^{-1/2} K^T V` (``'sum'``) or :math:`\\hat K^T \\hat V`
        (``'cosine'``); the softmax runs along ``context_axis``. The
        normalised entropy of every context is kept in ``context_entropy``.

        Args:
            means (dict[str, Tensor]): :meth:`context_means` of the image.
            num_tokens (int): Pixels N of the image.

        Returns:
            dict[str, Tensor]: ``soam_<x>`` (:math:`G_x`, SoAM) and
            ``moam_<x>`` (:math:`G_s` with modality ``x``'s temperature,
            MoAM) for the attentions in use, each ``[B, heads, d, d]``
            float32, summing to 1 along ``context_axis``.
        """
        if self.context_scale == 'cosine':
            logits = {
                name: self.cosine(value, means[f'{name}/sq'])
                for name, value in means.items() if '/' not in name
            }
        elif self.context_scale == 'sum':
            head_dim = self.channels // self.num_heads
            logits = {
                name: value * (num_tokens * head_dim**-0.5)
                for name, value in means.items()
            }
        else:
            logits = means
        axis = -1 if self.context_axis == 'value' else -2
        contexts = {}
        for i, x in enumerate(MODALITIES):
            if self.use_soam:
                contexts[f'soam_{x}'] = (
                    self.soam_temperature[i].view(1, -1, 1, 1) *
                    logits[f'soam_{x}']).softmax(axis)
            if self.use_moam:
                contexts[f'moam_{x}'] = (
                    self.moam_temperature[i].view(1, -1, 1, 1) *
                    logits['moam']).softmax(axis)
        with torch.no_grad():
            self.context_entropy = {
                name:
                -(p * p.clamp(min=1e-12).log()).sum(axis).mean() /
                math.log(p.shape[axis])
                for name, p in contexts.items()
            }
        return contexts

    @staticmethod
    def cosine(mean: Tensor, squares: Tensor) -> Tensor:
        """Cosine logits from :math:`K^T V / N` and the channels' mean
        squares.

        Args:
            mean (Tensor): :math:`K^T V / N` per head, ``[B, heads, d, d]``.
            squares (Tensor): Mean squares over the tokens of the key and
                then the value channels, ``[B, 2C]``.

        Returns:
            Tensor: :math:`\\hat K^T \\hat V`, ``[B, heads, d, d]``, in
            [-1, 1].
        """
        batch, heads, head_dim = mean.shape[:3]
        norms = squares.clamp(min=1e-12).sqrt().view(batch, 2, heads, head_dim)
        return mean / (norms[:, 0, :, :, None] * norms[:, 1, :, None, :])

    def interact(self, embedded: Dict[str, Tensor],
                 contexts: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """The features each modality's MLP takes.

        Args:
            embedded (dict[str, Tensor]): :meth:`embed` of the image.
            contexts (dict[str, Tensor]): :meth:`contexts` of the image.

        Returns:
            dict[str, Tensor]: Per modality the concatenation of
            :math:`S_x = Q_s G_x` and/or :math:`M_x = Q_x G_s`
            (``[B, N, C]`` or ``[B, N, 2C]``), or :math:`F_x^m` when both
            attentions are off.
        """
        if not self.uses_semantic_features:
            return {x: embedded[x] for x in MODALITIES}
        soam_query = self.soam_query(embedded['seg']) \
            if self.use_soam else None
        mixed = {}
        for x in MODALITIES:
            parts = []
            if self.use_soam:
                parts.append(attend(soam_query, contexts[f'soam_{x}']))
            if self.use_moam:
                parts.append(
                    attend(self.moam_queries[x](embedded[x]),
                           contexts[f'moam_{x}']))
            mixed[x] = torch.cat(parts, dim=-1) if len(parts) > 1 \
                else parts[0]
        return mixed

    def outputs(self, tokens: Dict[str, Tensor],
                mixed: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """:math:`f_x' = Norm(f_x + MLP_x(mixed_x))` per modality.

        Args:
            tokens (dict[str, Tensor]): Input tokens ``[B, N, C]``.
            mixed (dict[str, Tensor]): :meth:`interact`'s output.

        Returns:
            dict[str, Tensor]: ``ir`` and ``vis`` tokens ``[B, N, C]``.
        """
        return {
            x: self.norms[x](tokens[x] + self.mlps[x](mixed[x]))
            for x in MODALITIES
        }

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
        features = dict(ir=f_ir, vis=f_vis)
        if self.uses_semantic_features:
            features['seg'] = f_seg
        tokens = {
            name: f.flatten(2).transpose(1, 2)
            for name, f in features.items()
        }
        embedded = self.embed(tokens)
        contexts = self.contexts(self.context_means(embedded),
                                 height * width) \
            if self.uses_semantic_features else {}
        outs = self.outputs(tokens, self.interact(embedded, contexts))
        return tuple(
            outs[x].transpose(1, 2).reshape(batch, channels, height, width)
            for x in MODALITIES)
