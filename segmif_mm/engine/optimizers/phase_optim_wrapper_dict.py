import math
from contextlib import ExitStack, contextmanager
from typing import Dict, Iterator, List, Optional, Tuple

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.model import is_model_wrapper
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from torch import nn

from segmif_mm.models.utils import get_phase
from .nonfinite import (MAX_NAMED, NonFiniteLossError, describe_terms,
                        loss_terms, nonfinite_gradients)


class PhaseOptimWrapperDict(OptimWrapperDict):
    """One optimizer wrapper per task, stepped by the model's phase.

    ``optim_context(model)`` reads ``model.phase`` and activates the
    wrappers of the tasks that phase trains (see
    :data:`segmif_mm.models.utils.PHASES`); ``update_params`` then updates
    only those. So the model's default ``train_step`` (mmengine's
    ``BaseModel.train_step``) works unchanged.

    With one active wrapper, ``update_params`` does what that wrapper's
    does (scale, backward, step when due, zero). With several (the joint
    phase), every wrapper back-propagates the loss into its own parameters
    only (``backward(inputs=...)``) with its own loss
    scaling (AMP) and gradient accumulation, and all backward passes finish
    before any parameter changes. This costs one extra backward pass through
    the shared graph; a single ``OptimWrapper`` for the whole model avoids
    it.

    Non-finite values never reach the parameters: before the backward pass
    a NaN or infinite total loss (on any rank) raises
    :class:`NonFiniteLossError` naming every loss term of the model's loss
    dict with its value; after it, before any step, non-finite gradients
    raise it naming the parameters (not under AMP, whose loss scaler skips
    such steps and lowers the scale by design). The gradients are cleared
    first, so a caller that catches the error (``AlternatingTrainLoop`` with
    ``nonfinite_loss='skip'``) can go on.

    Built by :class:`SegMiFOptimWrapperConstructor`.

    Args:
        **optim_wrappers (OptimWrapper): One wrapper per task, e.g.
            ``fusion=...`` and ``seg=...``.
    """

    def __init__(self, **optim_wrappers: OptimWrapper) -> None:
        super().__init__(**optim_wrappers)
        self.active: Tuple[str, ...] = tuple(self.optim_wrappers)
        self._outputs: Optional[dict] = None
        self._param_names: Dict[int, str] = {}

    def activate(self, phase: str) -> None:
        """Make the wrappers of the tasks trained in ``phase`` active.

        Raises:
            KeyError: A task of the phase has no wrapper.
        """
        names = get_phase(phase).trains
        missing = [name for name in names if name not in self]
        if missing:
            raise KeyError(
                f'The {phase!r} phase trains the tasks {list(names)}, but '
                f'optim_wrapper has wrappers for {list(self.keys())} only; '
                'give `optim_wrapper` one config per task '
                "(constructor='SegMiFOptimWrapperConstructor').")
        self.active = names

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Activate the phase's wrappers and enter their contexts (AMP
        autocast, gradient-accumulation ``no_sync``).

        Args:
            model (nn.Module): The model (or its wrapper) with a ``phase``.
        """
        module = model.module if is_model_wrapper(model) else model
        self.activate(module.phase)
        if not self._param_names:
            self._param_names = {
                id(param): name
                for name, param in module.named_parameters()
            }
        # the loss dict of this forward, to name a non-finite term
        self._outputs = None
        handle = module.register_forward_hook(self._keep_outputs)
        with ExitStack() as stack:
            stack.callback(handle.remove)
            for name in self.active:
                stack.enter_context(self[name].optim_context(model))
            yield

    def _keep_outputs(self, module: nn.Module, args: tuple,
                      outputs: object) -> None:
        """Forward hook: keep the model's loss dict."""
        if isinstance(outputs, dict):
            self._outputs = outputs

    def check_loss(self, loss: torch.Tensor) -> None:
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
                      loss: torch.Tensor,
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
