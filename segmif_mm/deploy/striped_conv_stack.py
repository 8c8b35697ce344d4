"""A stride-1 convolution stack computed in stripes (inference only)."""
from torch import Tensor, nn

from .inference_only import check_inference
from .stripes import apply_in_stripes, conv_halo


class StripedConvStack(nn.Module):
    """A stack of stride-1, size-keeping convolutions, computed in stripes.

    Inference-only replacement of a convolution stack that works at full
    image resolution, e.g. a stem or the decoder of ``DRDBFusionHead``: the
    stack runs on horizontal stripes of about ``stripe_bytes`` (its widest
    map's share of a stripe) with the rows of context its convolutions need
    (:func:`~segmif_mm.deploy.stripes.apply_in_stripes`), and the stripes
    are written into one output. Equal to ``stack(x)`` up to float rounding.
    Built in eval mode; runs inference only.

    Args:
        stack (nn.Module): The plain stack: ``Conv2d`` layers of stride 1
            zero-padded to keep the size, with per-pixel layers between
            them (activations, norms in eval mode). Its weights are used,
            not copied.
        stripe_bytes (int): Bytes of the stack's widest map per stripe.

    Raises:
        ValueError: ``stack`` has no convolution, or one that is strided or
            does not keep the size.
    """

    def __init__(self, stack: nn.Module, stripe_bytes: int) -> None:
        super().__init__()
        convs = [m for m in stack.modules() if isinstance(m, nn.Conv2d)]
        keeps_size = [
            c.stride == (1, 1) and c.padding_mode == 'zeros'
            and c.padding == tuple(d * (k // 2)
                                   for d, k in zip(c.dilation, c.kernel_size))
            for c in convs
        ]
        if not convs or not all(keeps_size):
            raise ValueError(
                f'StripedConvStack needs convolutions of stride 1 that '
                f'zero-pad to keep the size, but {type(stack).__name__} has '
                f'{len(convs)} Conv2d, of which '
                f'{keeps_size.count(False)} do not; leave it unconverted.')
        self.stack = stack
        self.stripe_bytes = stripe_bytes
        self.halo = conv_halo(stack)
        self.out_channels = convs[-1].out_channels
        self.widest = max(max(c.in_channels, c.out_channels) for c in convs)
        self.eval()

    def forward(self, x: Tensor) -> Tensor:
        """Apply the stack stripe by stripe.

        Args:
            x (Tensor): Input ``[B, C_in, H, W]``.

        Returns:
            Tensor: ``stack(x)``, ``[B, C_out, H, W]``, in the dtype of
            ``x``.
        """
        check_inference(self)
        batch, _, height, width = x.shape
        out = x.new_empty(batch, self.out_channels, height, width)
        return apply_in_stripes(
            lambda start, end: self.stack(x[:, :, start:end]),
            out,
            halo=self.halo,
            row_bytes=self.widest * batch * width * x.element_size(),
            stripe_bytes=self.stripe_bytes)
