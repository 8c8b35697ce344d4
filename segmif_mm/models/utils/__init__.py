from .color import rgb_to_ycbcr, ycbcr_to_rgb
from .cpu_fast_paths import (apply_in_stripes, conv_halo, cpu_cache_sizes,
                             cpu_fast_path, cpu_inference_fast_path,
                             cpu_inference_memory, drdb_inference,
                             hia_inference, hia_tile_tokens, hia_tiled,
                             release_workspace, stripe_bytes, striped_conv,
                             use_cpu_fast_paths)
from .fusion_function import (check_fusion_function, fusion_function,
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
    'rgb_to_ycbcr', 'ycbcr_to_rgb', 'apply_in_stripes', 'conv_halo',
    'cpu_fast_path', 'cpu_inference_fast_path', 'drdb_inference', 'hia_tiled',
    'hia_inference', 'cpu_cache_sizes', 'stripe_bytes', 'hia_tile_tokens',
    'release_workspace', 'cpu_inference_memory', 'striped_conv',
    'use_cpu_fast_paths', 'check_fusion_function', 'fusion_function',
    'fusion_function_from_meta', 'InflatedPretrainedInit',
    'inflate_rgb_weight', 'inflate_rgb_weights_on_load',
    'unpack_interaction_inputs', 'PHASES', 'TASK_MODULES', 'TASKS', 'Phase',
    'get_phase', 'restore_to_original', 'split_rgbt', 'crop_features',
    'pad_for_backbone'
]
