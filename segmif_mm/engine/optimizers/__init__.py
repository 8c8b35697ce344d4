from .amp import enable_amp
from .phase_optim_wrapper_dict import PhaseOptimWrapperDict
from .segmif_optim_wrapper_constructor import SegMiFOptimWrapperConstructor

__all__ = [
    'PhaseOptimWrapperDict', 'SegMiFOptimWrapperConstructor', 'enable_amp'
]
