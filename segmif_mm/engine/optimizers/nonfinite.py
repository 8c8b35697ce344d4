"""The error a non-finite loss or gradient raises, and how to find one."""
import math
from typing import Dict, Iterable, List, Mapping, Tuple

import torch
from torch import Tensor

# parameters named per error message
MAX_NAMED = 5


class NonFiniteLossError(FloatingPointError):
    """A loss term or gradient is NaN or infinite; no parameter was updated.

    Attributes:
        terms (dict[str, float]): Each loss term and its value (the
            non-finite ones first), empty if only gradients are non-finite.
        parameters (list[str]): Parameters with non-finite gradients (at
            most a few), empty if a loss term is non-finite.
    """

    def __init__(
        self,
        message: str,
        terms: Mapping[str, float] = (),
        parameters: Iterable[str] = ()
    ) -> None:
        super().__init__(message)
        self.terms = dict(terms)
        self.parameters = list(parameters)


def loss_terms(outputs: Mapping[str, object]) -> Dict[str, float]:
    """The loss terms (keys containing ``loss``, as ``parse_losses`` sums
    them) of a model's loss dict, as floats (mean of each term)."""
    terms = {}
    for key, value in outputs.items():
        if 'loss' not in key:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        terms[key] = float(sum(v.detach().float().mean() for v in values))
    return terms


def describe_terms(terms: Mapping[str, float]) -> str:
    """``name = value`` of every term, the non-finite ones first."""
    ordered = sorted(terms.items(), key=lambda kv: math.isfinite(kv[1]))
    return ', '.join(f'{name} = {value:.6g}' for name, value in ordered)


def nonfinite_gradients(
        named_params: Iterable[Tuple[str, Tensor]]) -> List[str]:
    """Names of the parameters whose gradient has a NaN or infinite value
    (one fused max-abs reduction over all gradients)."""
    named = [(name, p.grad) for name, p in named_params if p.grad is not None]
    if not named:
        return []
    peaks = torch.stack(
        torch._foreach_norm([grad for _, grad in named], float('inf')))
    bad = (~torch.isfinite(peaks)).nonzero().flatten().tolist()
    return [named[i][0] for i in bad]
