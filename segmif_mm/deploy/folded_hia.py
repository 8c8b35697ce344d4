"""HIA for inference: contexts from moments, folded affine maps, tiles."""
import copy
from typing import Dict, List, Sequence, Tuple

import torch
from torch import Tensor, nn

from segmif_mm.models.necks import HierarchicalInteractiveAttention
from segmif_mm.models.utils import unpack_interaction_inputs
from .inference_only import check_inference

MODALITIES = ('ir', 'vis')
#: Pixels per matrix product when the moments are summed (at least).
MOMENT_TILE_TOKENS = 16384


def mean_and_scatter(x: Tensor, tile_tokens: int) -> Tuple[Tensor, Tensor]:
    """Mean and scatter matrix of the columns of ``x``, in float64.

    Products are taken tile by tile in float32 around the float32 mean and
    summed in float64; the scatter is then corrected to the float64 mean
    (exactly: ``sum (x - c)(x - c)^T = S + N (mean - c)(mean - c)^T``).

    Args:
        x (Tensor): ``[C, N]``.
        tile_tokens (int): Columns per matrix product.

    Returns:
        tuple[Tensor, Tensor]: The mean ``[C]`` and
        ``sum_n (x_n - mean)(x_n - mean)^T`` ``[C, C]``, float64.
    """
    num_tokens = x.shape[1]
    total = x.new_zeros(x.shape[0], dtype=torch.float64)
    for start in range(0, num_tokens, tile_tokens):
        total += x[:, start:start + tile_tokens].float().sum(1).double()
    mean = total / num_tokens
    centre = mean.float()
    scatter = x.new_zeros(x.shape[0], x.shape[0], dtype=torch.float64)
    for start in range(0, num_tokens, tile_tokens):
        tile = x[:, start:start + tile_tokens].float() - centre[:, None]
        scatter += (tile @ tile.T).double()
    offset = centre.double() - mean
    return mean, scatter - num_tokens * torch.outer(offset, offset)


def flush_denormals(x: Tensor, dtype: torch.dtype) -> Tensor:
    """``x`` in ``dtype``, with entries below the smallest normal number of
    ``dtype`` set to zero (denormal operands make float products many times
    slower)."""
    return x.masked_fill(x.abs() < torch.finfo(dtype).tiny, 0).to(dtype)


class FoldedHIA(nn.Module):
    """:class:`~segmif_mm.models.necks.HierarchicalInteractiveAttention`
    for inference, with no per-pixel embedding.

    Inference-only replacement of an HIA. Per image:

    1. Contexts: :meth:`HierarchicalInteractiveAttention.context_means`
       averages, over the pixels, a quadratic polynomial ``f`` of each
       pixel's features (keys and values are affine in them). For features
       with mean ``m`` and scatter matrix ``S = sum_j l_j v_j v_j^T``
       (eigendecomposition), ``sum_n f(x_n) = (N - 2C) f(m) +
       sum_j [f(m + t_j) + f(m - t_j)]`` with ``t_j = sqrt(l_j / 2) v_j``,
       so the module's own ``embed``/``context_means`` on ``2C + 1``
       virtual pixels give the whole image's means exactly.
    2. Folding: with the contexts fixed, everything from the input features
       to the pre-activation of each modality's MLP (embeddings, queries,
       ``Q G``, concatenation, first ``Linear``) is affine in the input
       features; the map is read off the module by probing it with the zero
       pixel and one unit pixel per channel and stream.
    3. Per pixel, in tiles of ``tile_tokens`` pixels, channels first (no
       transposes): the folded maps (one matrix product per stream), the
       MLP's remaining layers, the residual and the norm.

    Steps 1 and 2 run in float64 on a float64 twin of the module, whose
    weights are refreshed from the module at every call; step 3 runs in
    the input's dtype. Equal to the plain forward up to float rounding.
    Built in eval mode; runs inference only.
    Assumes, as the HIA has it, that each ``mlps[x]`` is a ``Sequential``
    starting with a ``Linear`` whose other layers are ``Linear`` or
    element-wise; the parity tests check it.

    Args:
        hia (HierarchicalInteractiveAttention): The plain module; its
            weights are used, not copied.
        tile_tokens (int): Pixels per tile of step 3.
    """

    def __init__(self, hia: HierarchicalInteractiveAttention,
                 tile_tokens: int) -> None:
        super().__init__()
        self.hia = hia
        self.tile_tokens = tile_tokens
        # Not a submodule: derived from ``hia`` and refreshed at every call,
        # so it is neither saved nor loaded.
        self.__dict__['twin'] = copy.deepcopy(hia).double()
        self.eval()

    def _refresh_twin(self) -> HierarchicalInteractiveAttention:
        """The float64 twin with the module's current weights."""
        twin = self.__dict__['twin']
        with torch.no_grad():
            for mine, theirs in zip(twin.parameters(), self.hia.parameters()):
                mine.copy_(theirs)
        return twin

    def contexts(self, twin: HierarchicalInteractiveAttention,
                 streams: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """The attention contexts of one image from its streams' moments.

        Args:
            twin (HierarchicalInteractiveAttention): The float64 twin.
            streams (dict[str, Tensor]): Features ``[C, N]`` per stream.

        Returns:
            dict[str, Tensor]: ``twin.contexts`` of the image,
            ``[1, heads, d, d]``.
        """
        num_tokens = next(iter(streams.values())).shape[1]
        spread_pixels, mean_pixel = {}, {}
        for name, x in streams.items():
            mean, scatter = mean_and_scatter(
                x, max(self.tile_tokens, MOMENT_TILE_TOKENS))
            eigenvalues, eigenvectors = torch.linalg.eigh(scatter)
            spread = (eigenvectors * eigenvalues.clamp_min(0).div(2).sqrt()).T
            spread_pixels[name] = (mean + torch.cat([spread, -spread]))[None]
            mean_pixel[name] = mean[None, None]
        num_virtual = next(iter(spread_pixels.values())).shape[1]
        at_spread = twin.context_means(twin.embed(spread_pixels))
        at_mean = twin.context_means(twin.embed(mean_pixel))
        means = {
            key:
            (num_virtual * at_spread[key].double() +
             (num_tokens - num_virtual) * at_mean[key].double()) / num_tokens
            for key in at_spread
        }
        return twin.contexts(means, num_tokens)

    @staticmethod
    def folds(twin: HierarchicalInteractiveAttention, names: List[str],
              channels: int, contexts: Dict[str, Tensor],
              dtype: torch.dtype) -> dict:
        """Per modality, the affine map from the input features to the
        hidden layer of its MLP, given the image's contexts.

        Args:
            twin (HierarchicalInteractiveAttention): The float64 twin.
            names (list[str]): The input streams.
            channels (int): Channels C.
            contexts (dict[str, Tensor]): :meth:`contexts` of the image.
            dtype (torch.dtype): dtype of the maps.

        Returns:
            dict[str, tuple]: Per modality ``(bias [hidden, 1], [(stream,
            matrix [hidden, C]), ...])`` for the streams the modality
            depends on.
        """
        probe = {
            name:
            torch.zeros(
                1, 1 + len(names) * channels, channels, dtype=torch.float64)
            for name in names
        }
        for i, name in enumerate(names):
            probe[name][0,
                        1 + i * channels:1 + (i + 1) * channels] = torch.eye(
                            channels, dtype=torch.float64)
        mixed = twin.interact(twin.embed(probe), contexts)
        folds = {}
        for modality in MODALITIES:
            hidden = twin.mlps[modality][0](mixed[modality][0])
            base = hidden[0]
            matrices = []
            for i, name in enumerate(names):
                jacobian = hidden[1 + i * channels:1 +
                                  (i + 1) * channels] - base
                if jacobian.abs().max() > 0:
                    matrices.append(
                        (name, flush_denormals(jacobian.T,
                                               dtype).contiguous()))
            folds[modality] = (flush_denormals(base, dtype)[:, None], matrices)
        return folds

    def residual_norm(self, modality: str, x: Tensor, y: Tensor,
                      out: Tensor) -> None:
        """``out = norm(x + y)`` over the channels of ``[C, n]`` maps,
        computed in float32; ``y`` (a temporary) may be overwritten."""
        norm = self.hia.norms[modality]
        y = y.float().add_(x)
        if not (isinstance(norm, nn.LayerNorm)
                and norm.normalized_shape == (y.shape[0], )):
            out.copy_(norm(y.T).T)
            return
        y.sub_(y.mean(0))
        y.mul_(y.square().mean(0).add_(norm.eps).rsqrt_())
        if not norm.elementwise_affine:
            out.copy_(y)
        elif out.dtype == torch.float32:
            torch.addcmul(norm.bias[:, None], y, norm.weight[:, None], out=out)
        else:
            out.copy_(
                torch.addcmul(norm.bias[:, None], y, norm.weight[:, None]))

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """:meth:`HierarchicalInteractiveAttention.forward`, computed as
        above; the outputs are in the dtype of ``f_ir``."""
        check_inference(self)
        hia = self.hia
        f_ir, f_vis, f_seg = unpack_interaction_inputs(
            inputs,
            owner=type(hia).__name__,
            channels=hia.channels,
            need_seg=hia.uses_semantic_features)
        batch, channels, height, width = f_ir.shape
        num_tokens = height * width
        dtype = f_ir.dtype
        streams = dict(ir=f_ir.flatten(2), vis=f_vis.flatten(2))
        if hia.uses_semantic_features:
            streams['seg'] = f_seg.flatten(2)
        streams = {name: f.to(dtype) for name, f in streams.items()}
        outs = {
            x: f_ir.new_empty(batch, channels, num_tokens)
            for x in MODALITIES
        }
        twin = self._refresh_twin()
        tile = self.tile_tokens
        with torch.autocast('cpu', enabled=False):
            for b in range(batch):
                contexts = self.contexts(twin, {
                    name: f[b]
                    for name, f in streams.items()
                }) if hia.uses_semantic_features else {}
                folds = self.folds(twin, list(streams), channels, contexts,
                                   dtype)
                for start in range(0, num_tokens, tile):
                    end = min(start + tile, num_tokens)
                    for modality, (bias, matrices) in folds.items():
                        hidden = None
                        for name, matrix in matrices:
                            pixels = streams[name][b, :, start:end]
                            hidden = torch.addmm(bias, matrix, pixels) \
                                if hidden is None \
                                else hidden.addmm_(matrix, pixels)
                        if hidden is None:
                            hidden = bias.expand(-1, end - start).clone()
                        for layer in list(hia.mlps[modality])[1:]:
                            if isinstance(layer, nn.Linear):
                                hidden = torch.addmm(
                                    layer.bias.to(dtype)[:, None],
                                    layer.weight.to(dtype), hidden)
                            else:
                                hidden = layer(hidden)
                        self.residual_norm(modality,
                                           streams[modality][b, :, start:end],
                                           hidden, outs[modality][b, :,
                                                                  start:end])
        return tuple(outs[x].view(batch, channels, height, width)
                     for x in MODALITIES)
