"""An optimizer wrapper that never applies a non-finite loss or gradient."""
import math
from contextlib import ExitStack, contextmanager
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.model import is_model_wrapper
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from torch import Tensor, nn
from torch.nn.utils import get_total_norm

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
    """Names of the parameters whose gradient has a NaN or infinite value.

    One fused max-abs reduction over all gradients
    (``torch.nn.utils.get_total_norm`` with the infinity norm, as
    ``clip_grad_norm_`` computes it); only when that is not finite is each
    gradient looked at.
    """
    named = [(name, p.grad) for name, p in named_params if p.grad is not None]
    if not named or torch.isfinite(
            get_total_norm([grad for _, grad in named], math.inf)):
        return []
    return [name for name, grad in named if not torch.isfinite(grad).all()]


class NonFiniteCheckOptimWrapperDict(OptimWrapperDict):
    """Optimizer wrappers updated together, never with a non-finite loss or
    gradient.

    ``update_params(loss)`` updates the wrappers of :attr:`active` (all of
    them unless a subclass chooses):

    1. a NaN or infinite total loss (on any rank: the flag is all-reduced,
       so every rank stops or skips together) raises
       :class:`NonFiniteLossError` before the backward pass, naming every
       loss term of the model's loss dict with its value;
    2. every active wrapper back-propagates the loss into its own
       parameters (``backward(inputs=...)``, with its own loss scaling and
       gradient accumulation); with one wrapper, that wrapper's plain
       backward. All backward passes finish before any parameter changes
       (a step would invalidate the graph the others still need);
    3. non-finite gradients of the wrappers that step now raise
       :class:`NonFiniteLossError` naming the parameters, after clearing
       the gradients (not under AMP, whose loss scaler skips such steps and
       lowers the scale by design);
    4. those wrappers step and clear their gradients.

    A caller that catches the error (``AlternatingTrainLoop`` with
    ``nonfinite_loss='skip'``) can go on: no parameter changed. The loss
    terms are those of the model's last loss dict, which a forward hook
    keeps; ``optim_context`` registers it once per model (the model is not
    changed otherwise).

    Args:
        **optim_wrappers (OptimWrapper): The wrappers, e.g. one per task.
    """

    def __init__(self, **optim_wrappers: OptimWrapper) -> None:
        super().__init__(**optim_wrappers)
        self.active: Tuple[str, ...] = tuple(self.optim_wrappers)
        self._outputs: Optional[dict] = None
        self._watched: Optional[int] = None
        self._hook: Optional[torch.utils.hooks.RemovableHandle] = None
        self._param_names: Dict[int, str] = {}

    def watch(self, model: nn.Module) -> None:
        """Keep the loss dicts of ``model`` (or the module it wraps), to
        name a non-finite term; a no-op for the model already watched."""
        module = model.module if is_model_wrapper(model) else model
        if id(module) == self._watched:
            return
        if self._hook is not None:
            self._hook.remove()
        self._hook = module.register_forward_hook(self._keep_outputs)
        self._watched = id(module)
        self._param_names = {
            id(param): name
            for name, param in module.named_parameters()
        }

    def _keep_outputs(self, module: nn.Module, args: tuple,
                      outputs: object) -> None:
        """Forward hook: keep the model's loss dict."""
        if isinstance(outputs, dict):
            self._outputs = outputs

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Enter the active wrappers' contexts (AMP autocast,
        gradient-accumulation ``no_sync``) for one forward pass.

        Args:
            model (nn.Module): The model (or its wrapper).
        """
        self.watch(model)
        self._outputs = None
        with ExitStack() as stack:
            for name in self.active:
                stack.enter_context(self[name].optim_context(model))
            yield

    def check_loss(self, loss: Tensor) -> None:
        """Raise if the total loss is non-finite on any rank.

        Raises:
            NonFiniteLossError: Names every loss term with its value.
        """
        bad = (~torch.isfinite(loss.detach())).any().to(torch.int32)
        if get_world_size() > 1:
            bad = bad.reshape(1)
            all_reduce(bad, op='max')
        if not bad.item():
            return
        terms = loss_terms(self._outputs or {})
        if not terms:
            detail = (f'loss = {loss.item():.6g} (the model returned no loss '
                      'terms by name)')
        elif all(math.isfinite(value) for value in terms.values()):
            detail = ('on another rank; here ' if torch.isfinite(loss).all()
                      else 'in the sum of finite terms ') + \
                describe_terms(terms)
        else:
            detail = describe_terms(terms)
        raise NonFiniteLossError(f'Non-finite loss: {detail}.', terms=terms)

    def check_gradients(self, wrappers: List[OptimWrapper]) -> None:
        """Raise if a gradient the wrappers would step on is non-finite
        (wrappers under AMP are left to their loss scaler).

        Raises:
            NonFiniteLossError: Names the first parameters.
        """
        named = [(self._param_names.get(id(p), f'<parameter {id(p)}>'), p)
                 for wrapper in wrappers
                 if not isinstance(wrapper, AmpOptimWrapper)
                 for group in wrapper.param_groups for p in group['params']]
        bad = nonfinite_gradients(named)
        if not bad:
            return
        for wrapper in wrappers:
            wrapper.zero_grad()
        shown = ', '.join(
            bad[:MAX_NAMED]) + (f' and {len(bad) - MAX_NAMED} more'
                                if len(bad) > MAX_NAMED else '')
        terms = describe_terms(loss_terms(self._outputs or {}))
        raise NonFiniteLossError(
            f'Non-finite gradients of {len(bad)} parameter(s) although the '
            f'loss is finite ({terms}): {shown}.',
            parameters=bad)

    def update_params(self,
                      loss: Tensor,
                      step_kwargs: Optional[Dict] = None,
                      zero_kwargs: Optional[Dict] = None) -> None:
        """Back-propagate ``loss`` and step the active wrappers.

        Args:
            loss (Tensor): The total loss.
            step_kwargs (dict, optional): Arguments of ``optimizer.step``.
            zero_kwargs (dict, optional): Arguments of
                ``optimizer.zero_grad``.

        Raises:
            NonFiniteLossError: The loss or a gradient is non-finite; no
                parameter changed and the gradients are cleared.
        """
        self.check_loss(loss)
        wrappers = [self[name] for name in self.active]
        if len(wrappers) == 1:
            wrappers[0].backward(wrappers[0].scale_loss(loss))
        else:
            for i, wrapper in enumerate(wrappers):
                params = [
                    p for group in wrapper.param_groups
                    for p in group['params'] if p.requires_grad
                ]
                wrapper.backward(
                    wrapper.scale_loss(loss),
                    retain_graph=i < len(wrappers) - 1,
                    inputs=params)
        stepping = [wrapper for wrapper in wrappers if wrapper.should_update()]
        self.check_gradients(stepping)
        for wrapper in stepping:
            wrapper.step(**(step_kwargs or {}))
            wrapper.zero_grad(**(zero_kwargs or {}))
