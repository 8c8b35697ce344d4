"""SegMiF for MMSegmentation: joint infrared-visible fusion and segmentation.

Importing this package registers every component into MMSegmentation's
registries, so an existing MMSeg config only needs
``custom_imports = dict(imports=['segmif_mm'])``. Importing it changes no
process-wide default: full unpickling of trusted checkpoints is an explicit
opt-in (:func:`segmif_mm.utils.trust_local_checkpoints`).
"""
from . import datasets, engine, evaluation, models, visualization  # noqa: F401
from .version import __version__

__all__ = ['__version__']
