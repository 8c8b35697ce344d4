from typing import Callable, Optional, Sequence

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig
from ..utils import cpu_tiling_pays

# Size of the stripes of apply_in_stripes: below glibc's largest dynamic
# mmap threshold (32 MiB), so freed stripe buffers are reused.
STRIPE_BYTES = 2**24


def fast_inference(module: nn.Module) -> bool:
    """Whether ``module`` may take its inference-only code path.

    True for a module in eval mode, in eager mode with autograd off
    (``torch.no_grad`` or ``torch.inference_mode``): the path writes into
    preallocated buffers, which autograd cannot differentiate through,
    computes stripe by stripe, which a norm layer computing batch
    statistics (train mode) would not allow, and tracing or compiling should
    see the plain operations.

    Args:
        module (nn.Module): The module asking.

    Returns:
        bool: Whether the inference path may run.
    """
    return not (module.training or torch.is_grad_enabled()
                or torch.jit.is_tracing() or torch.compiler.is_compiling())


def conv_halo(module: nn.Module) -> int:
    """Rows of context that one output row of a stack of stride-1,
    size-keeping convolutions needs on either side: the sum of
    ``dilation * (kernel_size // 2)`` over the stack's ``Conv2d`` layers."""
    return sum(m.dilation[0] * (m.kernel_size[0] // 2)
               for m in module.modules() if isinstance(m, nn.Conv2d))


def apply_in_stripes(fn: Callable[[int, int], Tensor],
                     out: Tensor,
                     halo: int,
                     row_bytes: int,
                     max_bytes: Optional[int] = None) -> Tensor:
    """Compute a spatial operation on horizontal stripes of the image.

    ``fn(start, end)`` must return the operation applied to input rows
    ``start:end`` alone, where each output row depends only on the input
    rows within ``halo`` rows of it (stride-1 convolutions zero-padded to
    keep the size: ``halo`` is the sum of ``dilation * (kernel_size // 2)``
    over the stack). Each stripe is computed with ``halo`` rows of context
    on either side (none beyond the image border, where the convolutions pad
    with zeros as they do for the whole image) and only its own rows are
    kept, so ``out`` equals the operation on the whole image; the large
    temporaries of the operation (e.g. oneDNN's reordered copy of its input)
    shrink to stripe size, which glibc then reuses instead of mapping fresh
    pages for every layer. The context rows are computed twice, a small
    overhead for stripes much taller than ``2 * halo``. Where striping does
    not pay (:func:`cpu_tiling_pays`) the whole image is one stripe.

    Args:
        fn (Callable[[int, int], Tensor]): Operation on input rows
            ``[start, end)``, returning ``[B, C', end - start, W]``.
        out (Tensor): Output ``[B, C', H, W]``, written in place.
        halo (int): Rows of context each output row needs on either side.
        row_bytes (int): Bytes of one image row of the operation's largest
            tensor (all batch items and channels), to size the stripes.
        max_bytes (int, optional): Approximate size of that tensor for one
            stripe with its context; at least ``8 * halo`` rows are taken
            per stripe. Defaults to None (``STRIPE_BYTES``, 16 MiB).

    Returns:
        Tensor: ``out``.
    """
    height = out.shape[2]
    if not cpu_tiling_pays(out):
        return out.copy_(fn(0, height))
    max_bytes = STRIPE_BYTES if max_bytes is None else max_bytes
    rows = max(max_bytes // max(row_bytes, 1) - 2 * halo, 8 * halo, 1)
    for top in range(0, height, rows):
        bottom = min(top + rows, height)
        start, end = max(top - halo, 0), min(bottom + halo, height)
        out[:, :, top:bottom] = fn(start,
                                   end)[:, :, top - start:bottom - start]
    return out


class DRDB(BaseModule):
    """Dilated residual dense block (Yan et al., AHDRNet, CVPR 2019).

    A chain of dilated 3x3 convolutions with dense connectivity: layer ``i``
    sees the block input concatenated with the outputs of all previous layers
    and adds ``growth`` channels. A 1x1 convolution maps the concatenation
    back to ``channels`` and a local residual adds the block input:

    .. code:: text

        x_0 = x
        x_i = act(conv3x3_{d_i}([x_0, ..., x_{i-1}]))   i = 1..L
        out = x + conv1x1([x_0, ..., x_L])

    The spatial size is preserved (padding = dilation).

    In inference (eval mode, autograd off, eager mode) the block writes the
    input and every layer's output into one preallocated
    ``[B, C + L * growth, H, W]`` buffer and convolves over its growing
    channel prefix, instead of concatenating all features anew for every
    layer; the dense layers run in horizontal stripes
    (:func:`apply_in_stripes`), which keeps oneDNN's temporary copies of
    their inputs small, and the 1x1 fusion is a matrix product on the buffer
    (a 1x1 convolution is one; oneDNN would first copy the whole buffer into
    its blocked layout). The same computation, equal up to float rounding,
    with a fraction of the memory traffic and peak memory.
    In training (train mode or autograd on), or while tracing/compiling, the
    plain concatenation is used: writing into a buffer that earlier layers
    saved for their backward pass would break autograd.

    Args:
        channels (int): Input and output channels C.
        growth (int): Channels added by each dense layer. Defaults to 32.
        dilations (Sequence[int]): Dilation of each dense layer; its length
            is the number of layers L. Defaults to five layers of dilation 2
            as in AHDRNet.
        norm_cfg (dict, optional): Norm of the dense layers. Defaults to None.
        act_cfg (dict): Activation of the dense layers.
            Defaults to ``dict(type='ReLU')``.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to None.
    """

    def __init__(self,
                 channels: int,
                 growth: int = 32,
                 dilations: Sequence[int] = (2, 2, 2, 2, 2),
                 norm_cfg: OptConfigType = None,
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not dilations or any(d < 1 for d in dilations):
            raise ValueError(f'DRDB needs at least one dense layer with '
                             f'dilation >= 1, got dilations={dilations}.')
        self.dense_layers = nn.ModuleList()
        in_channels = channels
        for dilation in dilations:
            self.dense_layers.append(
                ConvModule(
                    in_channels,
                    growth,
                    kernel_size=3,
                    padding=dilation,
                    dilation=dilation,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg))
            in_channels += growth
        self.fuse = nn.Conv2d(in_channels, channels, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block.

        Args:
            x (Tensor): Features of shape ``[B, C, H, W]``.

        Returns:
            Tensor: Features of shape ``[B, C, H, W]``.
        """
        if not fast_inference(self):
            features = [x]
            for layer in self.dense_layers:
                features.append(layer(torch.cat(features, dim=1)))
            return x + self.fuse(torch.cat(features, dim=1))
        features = self.dense_features(x)
        batch, channels, height, width = features.shape
        weight = self.fuse.weight.view(1, -1, channels).to(features.dtype)
        out = torch.baddbmm(
            self.fuse.bias.view(1, -1, 1).to(features.dtype),
            weight.expand(batch, -1, -1), features.view(batch, channels, -1))
        del features
        return out.view_as(x).add_(x)

    def dense_features(self, x: Tensor) -> Tensor:
        """All dense features in one preallocated buffer (inference only).

        Args:
            x (Tensor): Features of shape ``[B, C, H, W]``.

        Returns:
            Tensor: ``[x, x_1, ..., x_L]`` concatenated,
            ``[B, C + L * growth, H, W]``.
        """
        channels = x.shape[1]
        out_channels = [layer.conv.out_channels for layer in self.dense_layers]
        features = x.new_empty(x.shape[0], channels + sum(out_channels),
                               *x.shape[2:])
        features[:, :channels] = x
        row_bytes = features[:, :1, :1].numel() * features.element_size()
        for layer, growth in zip(self.dense_layers, out_channels):
            inputs = features[:, :channels]
            apply_in_stripes(
                lambda start, end: layer(inputs[:, :, start:end]),
                features[:, channels:channels + growth],
                halo=conv_halo(layer),
                row_bytes=row_bytes * channels)
            channels += growth
        return features
