from .batch_jobs import (IMAGE_SUFFIXES, BatchReport, Matching, collect_pairs,
                         describe, images_by_stem, imwrite_atomically,
                         load_keep_going, match_by_stem, write_atomically)
from .checkpoint import load_trusted_checkpoint, trust_local_checkpoints
from .cli import add_shape_argument
from .dist import init_cpu_distributed
from .gaussian import gaussian_kernel1d
from .quantization import to_uint8

__all__ = [
    'IMAGE_SUFFIXES', 'add_shape_argument', 'BatchReport', 'Matching',
    'collect_pairs', 'describe', 'images_by_stem', 'imwrite_atomically',
    'load_keep_going', 'match_by_stem', 'write_atomically',
    'gaussian_kernel1d', 'init_cpu_distributed', 'load_trusted_checkpoint',
    'to_uint8', 'trust_local_checkpoints'
]
