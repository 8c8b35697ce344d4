"""What every layer of the package shares: the numerics both the losses
and the metrics use, atomic file writes and the checkpoint-trust opt-in.
Nothing here parses arguments, prints or exits."""
from .atomic_files import (ATOMIC_BACKEND, AtomicLocalBackend,
                           atomic_backend_args, temporary_pattern,
                           write_atomically)
from .checkpoint import load_trusted_checkpoint, trust_local_checkpoints
from .errors import describe
from .gaussian import gaussian_kernel1d
from .quantization import to_uint8
from .resources import find_resource, resource_roots
from .ssim import SSIM_K1, SSIM_K2, ssim_from_statistics

__all__ = [
    'ATOMIC_BACKEND', 'AtomicLocalBackend', 'atomic_backend_args',
    'temporary_pattern', 'write_atomically', 'load_trusted_checkpoint',
    'trust_local_checkpoints', 'describe', 'gaussian_kernel1d', 'to_uint8',
    'SSIM_K1', 'SSIM_K2', 'ssim_from_statistics', 'find_resource',
    'resource_roots'
]
