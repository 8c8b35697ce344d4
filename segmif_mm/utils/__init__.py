from .checkpoint import load_trusted_checkpoint
from .dist import init_cpu_distributed
from .image_folders import IMAGE_SUFFIXES, list_images, match_by_name
from .memory import tune_malloc_for_inference

__all__ = [
    'IMAGE_SUFFIXES', 'init_cpu_distributed', 'list_images',
    'load_trusted_checkpoint', 'match_by_name', 'tune_malloc_for_inference'
]
