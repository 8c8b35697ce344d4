from .formatting import ConcatInfrared, PackFusionSegInputs
from .image_files import (EmptyImageFileError, ImageFileError,
                          MissingImageFileError, MultiPageImageFileError,
                          NonFiniteImageError, TruncatedImageFileError,
                          UndecodableImageFileError, UnreadableImageFileError,
                          UnsupportedPixelTypeError, decode_image,
                          read_image_bytes)
from .loading import (LoadMultiModalAnnotations, LoadMultiModalImages,
                      LoadMultiModalImagesFromNDArray)
from .photometric import (RandomGrayscaleVisible, RandomInfraredContrast,
                          RandomInfraredExposure, RandomInfraredNoise,
                          RandomVisibleExposure)
from .saliency import GenerateSaliencyMaps

__all__ = [
    'ConcatInfrared', 'PackFusionSegInputs', 'GenerateSaliencyMaps',
    'RandomGrayscaleVisible', 'RandomVisibleExposure',
    'RandomInfraredContrast', 'RandomInfraredExposure', 'RandomInfraredNoise',
    'LoadMultiModalAnnotations', 'LoadMultiModalImages',
    'LoadMultiModalImagesFromNDArray', 'ImageFileError',
    'MissingImageFileError', 'UnreadableImageFileError', 'EmptyImageFileError',
    'TruncatedImageFileError', 'UndecodableImageFileError',
    'MultiPageImageFileError', 'UnsupportedPixelTypeError',
    'NonFiniteImageError', 'decode_image', 'read_image_bytes'
]
