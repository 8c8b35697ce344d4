from typing import Dict, List, Tuple

from torch import nn

from ..utils import TASKS, get_phase


class TaskPhaseMixin:
    """Training phases of a multi-task segmentor (paper §3.4).

    The model owns its task weights λ (``task_weights``, set by
    ``DynamicTaskWeightHook``), which submodules each task trains
    (``task_modules``) and its current ``phase`` (set by
    ``AlternatingTrainLoop``); the phase map is
    :data:`segmif_mm.models.utils.PHASES`. Setting the phase freezes the
    modules of the tasks it does not train (``requires_grad=False``, eval
    mode). The class using the mixin sets ``task_modules`` and then
    ``task_weights`` and ``phase`` in its ``__init__``.
    """
    task_modules: Dict[str, Tuple[str, ...]]

    @property
    def task_weights(self) -> Dict[str, float]:
        """dict: λ per task, ``dict(fusion=λ1, seg=λ2)``."""
        return self._task_weights

    @task_weights.setter
    def task_weights(self, weights: Dict[str, float]) -> None:
        if set(weights) != set(TASKS):
            raise ValueError('task_weights must be dict(fusion=λ1, seg=λ2), '
                             f'got keys {sorted(weights)}.')
        self._task_weights = {k: float(v) for k, v in weights.items()}

    @property
    def phase(self) -> str:
        """str: Training phase, a name of
        :data:`segmif_mm.models.utils.PHASES`.

        Setting it freezes the modules of the tasks the phase does not train
        (``requires_grad=False`` and eval mode) and unfreezes the others;
        the parameters are toggled only when the phase changes.
        """
        return self._phase

    @phase.setter
    def phase(self, phase: str) -> None:
        get_phase(phase)
        if phase == getattr(self, '_phase', None):
            return
        self._phase = phase
        for module, trained in self._task_modules_trained():
            module.requires_grad_(trained)
        self.train(self.training)

    def _task_modules_trained(self) -> List[Tuple[nn.Module, bool]]:
        """Every task module with whether the current phase trains it."""
        trains = get_phase(self._phase).trains
        return [(getattr(self, name), task in trains)
                for task, names in self.task_modules.items() for name in names
                if getattr(self, name, None) is not None]

    def train(self, mode: bool = True) -> nn.Module:
        """Set train/eval mode, keeping the frozen modules in eval mode."""
        super().train(mode)
        if mode:
            for module, trained in self._task_modules_trained():
                if not trained:
                    module.eval()
        return self
