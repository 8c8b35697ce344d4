from .checkpoint import load_trusted_checkpoint
from .dist import init_cpu_distributed

__all__ = ['init_cpu_distributed', 'load_trusted_checkpoint']
