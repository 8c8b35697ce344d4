from .select_modality import SelectModality

__all__ = ['SelectModality']
