from .fusion import (DEFAULT_FUSION_CHECKPOINT, DEFAULT_FUSION_CONFIG,
                     extract_fusion_weights, fuse_pair, fusion_state_keys,
                     init_fusion_model, load_fusion_weights)
from .inference import (dataset_meta_from_config, drop_pretrained,
                        inference_model, inference_pipeline_cfg, init_model)

__all__ = [
    'DEFAULT_FUSION_CHECKPOINT', 'DEFAULT_FUSION_CONFIG',
    'extract_fusion_weights', 'fuse_pair', 'fusion_state_keys',
    'init_fusion_model', 'load_fusion_weights', 'init_model',
    'inference_model', 'inference_pipeline_cfg', 'drop_pretrained',
    'dataset_meta_from_config'
]
