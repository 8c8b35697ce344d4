"""A DRDB computed in one preallocated buffer, in stripes (inference
only)."""
import torch
from torch import Tensor, nn

from segmif_mm.models.fusion_heads import DRDB
from .buffer_pool import BufferPool
from .inference_only import check_inference
from .stripes import apply_in_stripes, conv_halo


class StripedDRDB(nn.Module):
    """:class:`~segmif_mm.models.fusion_heads.DRDB` with one feature buffer.

    Inference-only replacement of a DRDB. The block input and every dense
    layer's output are written into one ``[B, C + L * growth, H, W]``
    buffer, and each layer convolves over the buffer's growing channel
    prefix (a contiguous view) in horizontal stripes, instead of
    concatenating all features anew for every layer. The 1x1 fusion is one
    matrix product on the buffer (a 1x1 convolution is one, and oneDNN would
    first copy the whole buffer into its blocked layout). The buffer comes
    from a :class:`BufferPool` shared by the model's DRDBs, so the next
    DRDB of the same size reuses its pages. Equal to ``block(x)`` up to
    float rounding. Built in eval mode; runs inference only.

    Args:
        block (DRDB): The plain block; its weights are used, not copied.
        stripe_bytes (int): Bytes of a dense layer's input per stripe.
        pool (BufferPool): Where the feature buffer comes from.
    """

    def __init__(self, block: DRDB, stripe_bytes: int,
                 pool: BufferPool) -> None:
        super().__init__()
        self.block = block
        self.stripe_bytes = stripe_bytes
        self.pool = pool
        self.eval()

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block.

        Args:
            x (Tensor): Features ``[B, C, H, W]``.

        Returns:
            Tensor: ``x + fuse([x, x_1, ..., x_L])``, ``[B, C, H, W]``.
        """
        check_inference(self)
        layers = self.block.dense_layers
        fuse = self.block.fuse
        channels = x.shape[1]
        growths = [layer.conv.out_channels for layer in layers]
        shape = (x.shape[0], channels + sum(growths), *x.shape[2:])
        with self.pool.buffer(shape, x) as features:
            features[:, :channels] = x
            row_bytes = features[:, :1, :1].numel() * features.element_size()
            for layer, growth in zip(layers, growths):
                inputs = features[:, :channels]
                apply_in_stripes(
                    lambda start, end: layer(inputs[:, :, start:end]),
                    features[:, channels:channels + growth],
                    halo=conv_halo(layer),
                    row_bytes=row_bytes * channels,
                    stripe_bytes=self.stripe_bytes)
                channels += growth
            batch = features.shape[0]
            weight = fuse.weight.view(1, -1, channels).to(features.dtype)
            out = torch.baddbmm(
                fuse.bias.view(1, -1, 1).to(features.dtype),
                weight.expand(batch, -1, -1),
                features.view(batch, channels, -1))
        return out.view_as(x).add_(x)
