from .alternating_train_loop import AlternatingTrainLoop, PhaseSpan
from .cpu_distributed import init_cpu_distributed

__all__ = ['AlternatingTrainLoop', 'PhaseSpan', 'init_cpu_distributed']
