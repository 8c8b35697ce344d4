from .drdb import DRDB
from .drdb_fusion_head import DRDBFusionHead

__all__ = ['DRDB', 'DRDBFusionHead']
