from contextlib import contextmanager
from typing import Iterator

from mmengine.model import is_model_wrapper
from torch import nn

from segmif_mm.models.utils import get_phase
from .nonfinite import NonFiniteCheckOptimWrapperDict


class PhaseOptimWrapperDict(NonFiniteCheckOptimWrapperDict):
    """One optimizer wrapper per task, stepped by the model's phase.

    ``optim_context(model)`` reads ``model.phase`` and activates the
    wrappers of the tasks that phase trains (see
    :data:`segmif_mm.models.utils.PHASES`); ``update_params`` then updates
    only those, as :class:`NonFiniteCheckOptimWrapperDict` does: never with
    a non-finite loss or gradient, and in the joint phase with every
    wrapper back-propagating into its own parameters before any steps. So
    the model's default ``train_step`` (mmengine's ``BaseModel.train_step``)
    works unchanged. The joint phase costs one extra backward pass through
    the shared graph; a single ``OptimWrapper`` for the whole model avoids
    it.

    Built by :class:`SegMiFOptimWrapperConstructor`.

    Args:
        **optim_wrappers (OptimWrapper): One wrapper per task, e.g.
            ``fusion=...`` and ``seg=...``.
    """

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
        """Activate the phase's wrappers, then enter their contexts.

        Args:
            model (nn.Module): The model (or its wrapper) with a ``phase``.
        """
        module = model.module if is_model_wrapper(model) else model
        self.activate(module.phase)
        with super().optim_context(model):
            yield
