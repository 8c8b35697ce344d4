from .amp import enable_amp
from .segmif_optim_wrapper_constructor import SegMiFOptimWrapperConstructor

__all__ = ['SegMiFOptimWrapperConstructor', 'enable_amp']
