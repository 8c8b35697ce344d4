from .fused_image_dataset import FusedImageDataset

__all__ = ['FusedImageDataset']
