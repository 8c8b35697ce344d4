from .multimodal_data_preprocessor import MultiModalDataPreProcessor

__all__ = ['MultiModalDataPreProcessor']
