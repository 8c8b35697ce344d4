from contextlib import ExitStack, contextmanager
from typing import Dict, Iterator, Optional, Tuple

import torch
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

from segmif_mm.models.utils import get_phase


class PhaseOptimWrapperDict(OptimWrapperDict):
    """One optimizer wrapper per task, stepped by the model's phase.

    ``optim_context(model)`` reads ``model.phase`` and activates the
    wrappers of the tasks that phase trains (see
    :data:`segmif_mm.models.utils.PHASES`); ``update_params`` then updates
    only those. So the model's default ``train_step`` (mmengine's
    ``BaseModel.train_step``) works unchanged.

    With one active wrapper, ``update_params`` is that wrapper's. With
    several (the joint phase), every wrapper back-propagates the loss into
    its own parameters only (``backward(inputs=...)``) with its own loss
    scaling (AMP) and gradient accumulation, and all backward passes finish
    before any parameter changes. This costs one extra backward pass through
    the shared graph; a single ``OptimWrapper`` for the whole model avoids
    it.

    Built by :class:`SegMiFOptimWrapperConstructor`.

    Args:
        **optim_wrappers (OptimWrapper): One wrapper per task, e.g.
            ``fusion=...`` and ``seg=...``.
    """

    def __init__(self, **optim_wrappers: OptimWrapper) -> None:
        super().__init__(**optim_wrappers)
        self.active: Tuple[str, ...] = tuple(self.optim_wrappers)

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
        with ExitStack() as stack:
            for name in self.active:
                stack.enter_context(self[name].optim_context(model))
            yield

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
        """
        wrappers = [self[name] for name in self.active]
        if len(wrappers) == 1:
            wrappers[0].update_params(loss, step_kwargs, zero_kwargs)
            return
        for i, wrapper in enumerate(wrappers):
            params = [
                p for group in wrapper.param_groups for p in group['params']
                if p.requires_grad
            ]
            wrapper.backward(
                wrapper.scale_loss(loss),
                retain_graph=i < len(wrappers) - 1,
                inputs=params)
        for wrapper in wrappers:
            if wrapper.should_update():
                wrapper.step(**(step_kwargs or {}))
                wrapper.zero_grad(**(zero_kwargs or {}))
