from .low_res_fusion_segformer_head import LowResFusionSegformerHead

__all__ = ['LowResFusionSegformerHead']
