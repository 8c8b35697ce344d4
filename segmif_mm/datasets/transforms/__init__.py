from .formatting import ConcatInfrared
from .loading import (LoadMultiModalAnnotations, LoadMultiModalImages,
                      LoadMultiModalImagesFromNDArray)

__all__ = [
    'ConcatInfrared', 'LoadMultiModalAnnotations', 'LoadMultiModalImages',
    'LoadMultiModalImagesFromNDArray'
]
