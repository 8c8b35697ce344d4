from .formatting import ConcatInfrared
from .image_files import (EmptyImageFileError, ImageFileError,
                          MissingImageFileError, MultiPageImageFileError,
                          NonFiniteImageError, TruncatedImageFileError,
                          UndecodableImageFileError, UnreadableImageFileError,
                          UnsupportedPixelTypeError, decode_image,
                          read_image_bytes)
from .loading import (LoadMultiModalAnnotations, LoadMultiModalImages,
                      LoadMultiModalImagesFromNDArray)

__all__ = [
    'ConcatInfrared', 'LoadMultiModalAnnotations', 'LoadMultiModalImages',
    'LoadMultiModalImagesFromNDArray', 'ImageFileError',
    'MissingImageFileError', 'UnreadableImageFileError', 'EmptyImageFileError',
    'TruncatedImageFileError', 'UndecodableImageFileError',
    'MultiPageImageFileError', 'UnsupportedPixelTypeError',
    'NonFiniteImageError', 'decode_image', 'read_image_bytes'
]
