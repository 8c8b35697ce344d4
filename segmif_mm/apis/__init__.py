from .inference import (dataset_meta_from_config, drop_pretrained,
                        inference_model, inference_pipeline_cfg, init_model)

__all__ = [
    'init_model', 'inference_model', 'inference_pipeline_cfg',
    'drop_pretrained', 'dataset_meta_from_config'
]
