from .inflated_mix_vision_transformer import InflatedMixVisionTransformer
from .select_modality import SelectModality

__all__ = ['InflatedMixVisionTransformer', 'SelectModality']
