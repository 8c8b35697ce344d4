"""Helpers of the parity tests of the inference-only modules."""
import torch
from torch import nn


def randomised_biases(module: nn.Module) -> nn.Module:
    """``module`` in eval mode with biases drawn from [-0.5, 0.5] (seeded):
    the default init leaves convolution biases at or near zero, which would
    not test them."""
    torch.manual_seed(0)
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.endswith('bias'):
                param.uniform_(-0.5, 0.5)
    return module.eval()
