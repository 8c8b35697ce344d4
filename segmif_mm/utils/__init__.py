from .checkpoint import load_trusted_checkpoint
from .dist import init_cpu_distributed
from .memory import tune_malloc_for_inference

__all__ = [
    'init_cpu_distributed', 'load_trusted_checkpoint',
    'tune_malloc_for_inference'
]
