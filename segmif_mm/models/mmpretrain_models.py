"""Register mmpretrain's backbones and necks, with or without torchvision.

Configs that use mmpretrain's models (``type='mmpretrain.ConvNeXt'``) list
this module in ``custom_imports``, where mmseg's own configs list
``'mmpretrain.models'``::

    custom_imports = dict(
        imports=['segmif_mm', 'segmif_mm.models.mmpretrain_models'],
        allow_failed_imports=False)

Where ``import mmpretrain.models`` works this is that import. It fails
without torchvision, which mmpretrain 1.2.0 does not declare but imports
for its heads and metrics (``torchvision.ops.boxes``); PyPI has no
CPU-only torchvision matching a CPU-only torch. Then ``mmpretrain.models``
is set up as a package holding only its backbones and necks (which do not
need torchvision), so that mmpretrain's registry finds them, and a warning
says that its heads, classifiers and losses are missing. Importing
``segmif_mm`` alone never imports mmpretrain.
"""
import importlib
import importlib.util
import logging
import sys

import mmpretrain
from mmengine.logging import print_log

PARTS = ('mmpretrain.models.backbones', 'mmpretrain.models.necks')

try:
    import mmpretrain.models  # noqa: F401
except ImportError as error:
    spec = importlib.util.find_spec('mmpretrain.models')
    package = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = package
    mmpretrain.models = package
    for part in PARTS:
        # a submodule left over from the failed import is not re-bound
        setattr(package,
                part.rpartition('.')[2], importlib.import_module(part))
    print_log(
        f'mmpretrain.models cannot be imported ({error}): mmpretrain 1.2.0 '
        'imports torchvision for its heads and metrics. Registered its '
        'backbones and necks only (enough for mmseg configs); install the '
        'torchvision build that matches your torch for the rest.',
        logger='current',
        level=logging.WARNING)
