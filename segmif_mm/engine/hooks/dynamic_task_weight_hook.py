import math
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmseg.registry import HOOKS
from segmif_mm.models.utils import PHASES, get_phase


@HOOKS.register_module()
class DynamicTaskWeightHook(Hook):
    """Set SegMiF's task weights λ from the tasks' convergence rates.

    Paper eq. 8-9, with loss values averaged over windows of ``window``
    iterations (and over all ranks) instead of single noisy batches:

    .. math::
        r_i(n-1) = L_i(n-1) / L_i(n-2), \\qquad
        \\lambda_i(n) = \\eta_i \\exp(r_i(n-1)/T) / \\sum_k \\exp(r_k(n-1)/T)

    where :math:`L_i(n)` is the mean unweighted loss of task ``i`` over window
    ``n``, read from the model's ``task_<name>`` outputs. Windows are counted
    only in the phases listed in ``phases`` (by default the phases whose
    losses λ weights, eq. 7: fusion and joint). Until two windows are
    complete, λ_i = η_i / K (all rates equal). With η_i = K (the default,
    K = 2 tasks) eq. 9 is DWA and λ ≈ 1 when the tasks converge equally.

    Across the rounds of an alternating schedule the windows either
    continue (``reset_per_phase=False``): the first rate of a round then
    compares a window of this round with the last one of the previous
    round, before the segmentation phase changed the network; or they
    restart with every span of counted phases (``reset_per_phase=True``):
    the history and the partial window are dropped, λ keeps its last value
    until two windows of the new span are complete, and every rate compares
    two windows of one span. The measured difference is in
    ``docs/design.md``.

    The model owns the weights (``model.task_weights``); this hook only
    computes and sets them, logs every change, and keeps its history in the
    checkpoint so that resuming continues with the same λ and windows.

    Args:
        temperature (float): T in eq. 9. Defaults to 2.0.
        etas (dict): η_i per task. Defaults to ``dict(fusion=2.0, seg=2.0)``.
        window (int): Iterations averaged into one loss value L_i(n).
            Defaults to 50.
        phases (Sequence[str], optional): Phases whose iterations are
            counted. Defaults to None: every phase whose losses are weighted
            by λ (:attr:`~segmif_mm.models.utils.Phase.weighted`).
        reset_per_phase (bool): Restart the windows with every span of
            counted phases (see above). Defaults to False.

    Example:
        >>> custom_hooks = [dict(type='DynamicTaskWeightHook', temperature=2.0,
        >>>                      etas=dict(fusion=2.0, seg=2.0), window=50)]
    """

    priority = 'NORMAL'

    def __init__(self,
                 temperature: float = 2.0,
                 etas: Optional[Dict[str, float]] = None,
                 window: int = 50,
                 phases: Optional[Sequence[str]] = None,
                 reset_per_phase: bool = False) -> None:
        if temperature <= 0 or window < 1:
            raise ValueError('DynamicTaskWeightHook needs temperature > 0 and '
                             f'window >= 1, got {temperature} and {window}.')
        self.temperature = float(temperature)
        self.etas = dict(etas or dict(fusion=2.0, seg=2.0))
        self.tasks = tuple(self.etas)
        self.window = int(window)
        if phases is None:
            phases = [name for name, phase in PHASES.items() if phase.weighted]
        self.phases = tuple(phases)
        for phase in self.phases:
            get_phase(phase)
        self.reset_per_phase = bool(reset_per_phase)
        self.history: List[List[float]] = []
        self.weights = self.weights_from_rates({t: 1.0 for t in self.tasks})
        self._sums = [0.0] * len(self.tasks)
        self._count = 0
        self._last_iter: Optional[int] = None

    def weights_from_rates(self, rates: Dict[str, float]) -> Dict[str, float]:
        """Eq. 9: λ_i = η_i exp(r_i/T) / Σ_k exp(r_k/T) (max-shifted)."""
        shift = max(rates.values()) / self.temperature
        exps = {
            t: math.exp(rates[t] / self.temperature - shift)
            for t in self.tasks
        }
        total = sum(exps.values())
        return {t: self.etas[t] * exps[t] / total for t in self.tasks}

    @staticmethod
    def _unwrap(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_train(self, runner) -> None:
        """Hand the current (initial or restored) weights to the model."""
        self._unwrap(runner).task_weights = dict(self.weights)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        model = self._unwrap(runner)
        if model.phase not in self.phases:
            return
        if self.reset_per_phase and self._last_iter is not None and \
                runner.iter != self._last_iter + 1:
            self.history = []
            self._sums, self._count = [0.0] * len(self.tasks), 0
        self._last_iter = runner.iter
        # no outputs: the update was skipped (non-finite loss), its losses
        # must not reach λ
        if not outputs:
            return
        missing = [t for t in self.tasks if f'task_{t}' not in outputs]
        if missing:
            raise KeyError(
                f'DynamicTaskWeightHook needs the outputs '
                f'{[f"task_{t}" for t in missing]} from model.loss(); got '
                f'{sorted(outputs)}.')
        for i, task in enumerate(self.tasks):
            self._sums[i] += float(outputs[f'task_{task}'])
        self._count += 1
        if self._count < self.window:
            return
        totals = torch.tensor(
            self._sums + [float(self._count)], dtype=torch.float64)
        all_reduce(totals)
        means = (totals[:-1] / totals[-1]).tolist()
        self._sums, self._count = [0.0] * len(self.tasks), 0
        self.history.append(means)
        if len(self.history) < 2:
            return
        rates = {
            t: self.history[-1][i] / max(self.history[-2][i], 1e-12)
            for i, t in enumerate(self.tasks)
        }
        self.weights = self.weights_from_rates(rates)
        model.task_weights = dict(self.weights)
        for task, value in self.weights.items():
            runner.message_hub.update_scalar(f'train/lambda_{task}', value)
        print_log(
            f'DynamicTaskWeightHook (iter {runner.iter + 1}, window '
            f'{len(self.history)}): rates ' +
            ', '.join(f'{t}={r:.4f}' for t, r in rates.items()) +
            ' -> lambda ' + ', '.join(f'{t}={w:.4f}'
                                      for t, w in self.weights.items()),
            logger='current')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['dynamic_task_weight'] = dict(
            history=[list(h) for h in self.history],
            weights=dict(self.weights),
            sums=list(self._sums),
            count=self._count,
            last_iter=self._last_iter)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get('dynamic_task_weight')
        if state is None:
            return
        self.history = [list(h) for h in state['history']]
        self.weights = dict(state['weights'])
        self._sums = list(state['sums'])
        self._count = int(state['count'])
        self._last_iter = state.get('last_iter')
        self._unwrap(runner).task_weights = dict(self.weights)
