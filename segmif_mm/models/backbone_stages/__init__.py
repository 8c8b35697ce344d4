from .base import (BACKBONE_STAGES, BackboneStages, WholeBackboneStages,
                   class_path, get_backbone_stages)
from .convnext import ConvNeXtStages
from .mit import MiTStages
from .resnet import ResNetStages
from .swin import SwinStages

__all__ = [
    'BACKBONE_STAGES', 'BackboneStages', 'WholeBackboneStages', 'class_path',
    'get_backbone_stages', 'ConvNeXtStages', 'MiTStages', 'ResNetStages',
    'SwinStages'
]
