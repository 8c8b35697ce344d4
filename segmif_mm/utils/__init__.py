from .batch_jobs import (IMAGE_SUFFIXES, BatchReport, Matching, collect_pairs,
                         describe, images_by_stem, imwrite_atomically,
                         load_keep_going, match_by_stem, write_atomically)
from .checkpoint import load_trusted_checkpoint, trust_local_checkpoints
from .cli import add_shape_argument
from .dist import init_cpu_distributed
from .gaussian import gaussian_kernel1d
from .memory import reuse_freed_memory, tune_malloc_for_inference
from .quantization import to_uint8
from .resources import find_resource, resource_roots

__all__ = [
    'IMAGE_SUFFIXES', 'add_shape_argument', 'BatchReport', 'Matching',
    'collect_pairs', 'describe', 'images_by_stem', 'imwrite_atomically',
    'load_keep_going', 'match_by_stem', 'write_atomically',
    'gaussian_kernel1d', 'init_cpu_distributed', 'load_trusted_checkpoint',
    'to_uint8', 'trust_local_checkpoints', 'tune_malloc_for_inference',
    'reuse_freed_memory', 'find_resource', 'resource_roots'
]
