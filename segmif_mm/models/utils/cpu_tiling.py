import torch
from torch import Tensor


def cpu_tiling_pays(x: Tensor) -> bool:
    """Whether to compute on ``x`` in cache-sized stripes or tiles.

    Splitting a full-resolution operation keeps its temporaries small on
    CPU (cache-resident, reused by the allocator). On other devices it only
    multiplies kernel launches, and while tracing or compiling the graph
    must see the whole image so that its size stays dynamic.

    Args:
        x (Tensor): A tensor of the operation.

    Returns:
        bool: True for CPU tensors in eager mode.
    """
    return (x.device.type == 'cpu' and not torch.jit.is_tracing()
            and not torch.compiler.is_compiling())
