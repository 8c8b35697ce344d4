"""Fusion-quality metrics as batched, device-agnostic torch functions.

They follow the conventions of the MATLAB suite behind published
infrared-visible fusion tables (see each function) so that numbers are
directly comparable.
"""
from .conversion import RGB2GRAY_WEIGHTS, grey_sources, rgb_to_gray
from .fusion_metrics import (FUSION_METRICS, fusion_metrics,
                             fusion_metrics_table)
from .gradient_retention import GRADIENT_RETENTION_METRICS, gradient_retention
from .information import entropy, mutual_information
from .pixel_metrics import (average_gradient, correlation_coefficient, mse,
                            psnr, psnr_textbook, scd, spatial_frequency,
                            standard_deviation)
from .structural_metrics import qabf, ssim, ssim_index, vif, vifp

__all__ = [
    'RGB2GRAY_WEIGHTS', 'grey_sources', 'rgb_to_gray', 'FUSION_METRICS',
    'fusion_metrics', 'fusion_metrics_table', 'GRADIENT_RETENTION_METRICS',
    'gradient_retention', 'entropy', 'mutual_information', 'average_gradient',
    'correlation_coefficient', 'mse', 'psnr', 'psnr_textbook', 'scd',
    'spatial_frequency', 'standard_deviation', 'qabf', 'ssim', 'ssim_index',
    'vif', 'vifp'
]
