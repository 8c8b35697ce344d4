from .amp import enable_amp
from .nonfinite import NonFiniteCheckOptimWrapperDict, NonFiniteLossError
from .phase_optim_wrapper_dict import PhaseOptimWrapperDict
from .segmif_optim_wrapper_constructor import SegMiFOptimWrapperConstructor

__all__ = [
    'NonFiniteCheckOptimWrapperDict', 'NonFiniteLossError',
    'PhaseOptimWrapperDict', 'SegMiFOptimWrapperConstructor', 'enable_amp'
]
