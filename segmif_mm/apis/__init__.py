from .batch import BatchReport, collect_pairs, load_keep_going
from .cli import (add_model_arguments, add_notes, add_precision_argument,
                  add_shape_argument, add_weight_file_arguments)
from .frame_pairs import VIDEO_SUFFIXES, FramePairs, is_video
from .fusion import (DEFAULT_FUSION_CHECKPOINT, DEFAULT_FUSION_CONFIG,
                     extract_fusion_weights, fuse_pair, fusion_state_keys,
                     init_fusion_model, load_fusion_weights)
from .inference import (dataset_meta_from_config, drop_pretrained,
                        inference_model, inference_pipeline_cfg, init_model,
                        pair_results)
from .model_index import get_model_by_weights, get_model_info, load_model_index
from .segmif_inferencer import SegMiFInferencer

__all__ = [
    'BatchReport', 'collect_pairs', 'load_keep_going', 'add_shape_argument',
    'add_precision_argument', 'add_model_arguments',
    'add_weight_file_arguments', 'add_notes', 'DEFAULT_FUSION_CHECKPOINT',
    'DEFAULT_FUSION_CONFIG', 'extract_fusion_weights', 'fuse_pair',
    'fusion_state_keys', 'init_fusion_model', 'load_fusion_weights',
    'init_model', 'inference_model', 'inference_pipeline_cfg',
    'drop_pretrained', 'dataset_meta_from_config', 'pair_results',
    'get_model_info', 'get_model_by_weights', 'load_model_index',
    'SegMiFInferencer', 'FramePairs', 'VIDEO_SUFFIXES', 'is_video'
]
