from .fusion_seg_local_visualizer import FusionSegLocalVisualizer

__all__ = ['FusionSegLocalVisualizer']
