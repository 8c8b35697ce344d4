"""The guard of the inference-only modules of :mod:`segmif_mm.deploy`."""
import torch
from torch import nn


def check_inference(module: nn.Module) -> None:
    """Refuse a forward pass that is not inference.

    The modules swapped in by the conversion write into preallocated
    buffers and compute stripe by stripe, which autograd cannot
    differentiate through and which a norm layer computing batch statistics
    would not allow.

    Args:
        module (nn.Module): The inference-only module.

    Raises:
        RuntimeError: ``module`` is in train mode or autograd is on.
    """
    if module.training or torch.is_grad_enabled():
        raise RuntimeError(
            f'{type(module).__name__} was swapped in by '
            'convert_for_cpu_inference and runs inference only: call the '
            'model in eval mode under torch.no_grad() or '
            'torch.inference_mode(), and train the model as built from its '
            'config.')
