from .average_aggregation import AverageAggregation
from .concat_aggregation import ConcatAggregation
from .hia import HierarchicalInteractiveAttention
from .sum_aggregation import SumAggregation

__all__ = [
    'AverageAggregation', 'ConcatAggregation',
    'HierarchicalInteractiveAttention', 'SumAggregation'
]
