from .segmif import SegMiF

__all__ = ['SegMiF']
