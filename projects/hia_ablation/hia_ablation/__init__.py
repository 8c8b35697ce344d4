from .segmif_uncertainty_weighting import SegMiFUncertaintyWeighting
from .uncertainty_task_weighting import UncertaintyTaskWeighting

__all__ = ['SegMiFUncertaintyWeighting', 'UncertaintyTaskWeighting']
