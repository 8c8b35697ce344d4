from .formatting import ConcatInfrared
from .loading import LoadMultiModalAnnotations, LoadMultiModalImages

__all__ = [
    'ConcatInfrared', 'LoadMultiModalAnnotations', 'LoadMultiModalImages'
]
