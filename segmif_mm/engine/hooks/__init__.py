from .atomic_checkpoint_hook import AtomicCheckpointHook
from .check_dataset_hook import CheckDatasetHook
from .context_entropy_hook import ContextEntropyHook, context_entropies
from .dynamic_task_weight_hook import DynamicTaskWeightHook
from .fusion_function_hook import FusionFunctionHook
from .fusion_seg_visualization_hook import FusionSegVisualizationHook
from .phase_param_scheduler_hook import PhaseParamSchedulerHook
from .trust_local_checkpoints_hook import TrustLocalCheckpointsHook

__all__ = [
    'AtomicCheckpointHook', 'CheckDatasetHook', 'ContextEntropyHook',
    'context_entropies', 'DynamicTaskWeightHook', 'FusionFunctionHook',
    'FusionSegVisualizationHook', 'PhaseParamSchedulerHook',
    'TrustLocalCheckpointsHook'
]
