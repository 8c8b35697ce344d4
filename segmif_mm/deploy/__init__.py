"""Inference-only conversions of SegMiF models (not used in training).

:func:`convert_for_cpu_inference` swaps the paper's modules for CPU
inference counterparts, in the style of mmengine's
``revert_sync_batchnorm``; the library itself (``segmif_mm.models``) never
imports this package.
"""
from .buffer_pool import BufferPool
from .cpu import (DEFAULT_STRIPE_BYTES, DEFAULT_TILE_TOKENS, MEMORY_REUSE,
                  convert_for_cpu_inference)
from .folded_hia import FoldedHIA
from .inference_scope import InferenceScope
from .memory import reuse_freed_memory, tune_malloc_for_inference
from .precision import PRECISIONS, check_precision, cpu_bf16_support
from .prepare import prepare_for_inference
from .striped_conv_stack import StripedConvStack
from .striped_drdb import StripedDRDB
from .stripes import apply_in_stripes, conv_halo

__all__ = [
    'convert_for_cpu_inference', 'prepare_for_inference',
    'DEFAULT_STRIPE_BYTES', 'DEFAULT_TILE_TOKENS', 'MEMORY_REUSE',
    'BufferPool', 'FoldedHIA', 'StripedConvStack', 'StripedDRDB',
    'InferenceScope', 'apply_in_stripes', 'conv_halo', 'reuse_freed_memory',
    'tune_malloc_for_inference', 'PRECISIONS', 'check_precision',
    'cpu_bf16_support'
]
