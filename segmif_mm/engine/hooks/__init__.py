from .dynamic_task_weight_hook import DynamicTaskWeightHook
from .phase_param_scheduler_hook import PhaseParamSchedulerHook

__all__ = ['DynamicTaskWeightHook', 'PhaseParamSchedulerHook']
