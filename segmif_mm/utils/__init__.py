from .checkpoint import load_trusted_checkpoint

__all__ = ['load_trusted_checkpoint']
