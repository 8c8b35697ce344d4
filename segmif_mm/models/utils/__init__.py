from .color import rgb_to_ycbcr, ycbcr_to_rgb
from .cpu_tiling import cpu_tiling_pays
from .interaction_inputs import unpack_interaction_inputs
from .mit_stages import mit_stage_features

__all__ = [
    'rgb_to_ycbcr', 'ycbcr_to_rgb', 'cpu_tiling_pays',
    'unpack_interaction_inputs', 'mit_stage_features'
]
