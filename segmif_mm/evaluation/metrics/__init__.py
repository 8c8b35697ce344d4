from .fusion_quality_metric import FusionQualityMetric
from .multi_protocol_iou_metric import MultiProtocolIoUMetric

__all__ = ['FusionQualityMetric', 'MultiProtocolIoUMetric']
