"""SegMiF for MMSegmentation: joint infrared-visible fusion and segmentation.

Importing this package registers every component into MMSegmentation's
registries, so an existing MMSeg config only needs
``custom_imports = dict(imports=['segmif_mm'])``.
"""
from . import utils  # noqa: F401  (first: trusted checkpoint loading)
from . import datasets, engine, evaluation, models, visualization  # noqa: F401
from .version import __version__

__all__ = ['__version__']
