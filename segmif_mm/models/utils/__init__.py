from .color import rgb_to_ycbcr, ycbcr_to_rgb
from .fusion_function import (check_fusion_function, fusion_function,
                              fusion_function_differences,
                              fusion_function_from_meta)
from .inflated_pretrained_init import (InflatedPretrainedInit,
                                       inflate_rgb_weight,
                                       inflate_rgb_weights_on_load)
from .interaction_inputs import unpack_interaction_inputs
from .phases import PHASES, TASK_MODULES, TASKS, Phase, get_phase
from .restore import restore_to_original
from .rgbt_inputs import split_rgbt
from .small_image_padding import crop_features, pad_for_backbone

__all__ = [
    'rgb_to_ycbcr', 'ycbcr_to_rgb', 'check_fusion_function', 'fusion_function',
    'fusion_function_differences', 'fusion_function_from_meta',
    'InflatedPretrainedInit', 'inflate_rgb_weight',
    'inflate_rgb_weights_on_load', 'unpack_interaction_inputs', 'PHASES',
    'TASK_MODULES', 'TASKS', 'Phase', 'get_phase', 'restore_to_original',
    'split_rgbt', 'crop_features', 'pad_for_backbone'
]
