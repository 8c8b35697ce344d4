"""The one map of SegMiF's tasks, training phases and trained modules.

Every part of the training machinery reads it from here: ``SegMiF`` (which
modules a phase freezes, which losses it computes), ``AlternatingTrainLoop``
(valid phase names), ``PhaseOptimWrapperDict`` and
``PhaseParamSchedulerHook`` (which task's optimizer and schedulers step),
``SegMiFOptimWrapperConstructor`` (which parameters each task's optimizer
owns, through ``SegMiF.task_modules``) and ``DynamicTaskWeightHook`` (the
phases whose losses λ weights).
"""
from typing import Dict, NamedTuple, Tuple

TASKS = ('fusion', 'seg')

# Submodules of a SegMiF that each task trains (absent ones are skipped). A
# model may extend this (``SegMiF(task_modules=...)``), e.g. with a module
# of learned task weights trained with the fusion task.
TASK_MODULES: Dict[str, Tuple[str, ...]] = dict(
    fusion=('fusion_head', ),
    seg=('backbone', 'neck', 'decode_head', 'auxiliary_head'))


class Phase(NamedTuple):
    """One training phase.

    Attributes:
        trains (tuple[str]): Tasks whose modules are updated; their
            optimizers and schedulers step in this phase.
        losses (tuple[str]): Tasks whose losses the phase computes. With
            both tasks the losses are weighted by λ (paper eq. 7).
    """
    trains: Tuple[str, ...]
    losses: Tuple[str, ...]

    @property
    def weighted(self) -> bool:
        """bool: Whether λ weights the losses (both tasks' losses)."""
        return len(self.losses) > 1


PHASES: Dict[str, Phase] = dict(
    # paper §3.4: fusion net updated, L_s reaches it through the frozen
    # segmentation network
    fusion=Phase(trains=('fusion', ), losses=('fusion', 'seg')),
    # segmentation net updated on fused images made under no_grad
    seg=Phase(trains=('seg', ), losses=('seg', )),
    # both at once (not in the paper)
    joint=Phase(trains=('fusion', 'seg'), losses=('fusion', 'seg')),
    # fusion loss alone, no labels, no segmentation pass: label-free
    # training and the authors' first round
    fusion_only=Phase(trains=('fusion', ), losses=('fusion', )))


def get_phase(name: str) -> Phase:
    """The :class:`Phase` called ``name``.

    Raises:
        ValueError: ``name`` is not a phase of :data:`PHASES`.
    """
    if name not in PHASES:
        raise ValueError(f'Unknown phase {name!r}; SegMiF phases are '
                         f'{tuple(PHASES)}.')
    return PHASES[name]
