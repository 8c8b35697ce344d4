from .fusion_loss import FusionLoss
from .gradient_detail_loss import GradientDetailLoss
from .saliency_pixel_loss import SaliencyPixelLoss
from .ssim_loss import SSIMLoss
from .utils import gaussian_filter, ssim_map
from .vsm import visual_saliency_map

__all__ = [
    'FusionLoss', 'GradientDetailLoss', 'SaliencyPixelLoss', 'SSIMLoss',
    'gaussian_filter', 'ssim_map', 'visual_saliency_map'
]
