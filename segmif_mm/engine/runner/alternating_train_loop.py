import bisect
import logging
from typing import Dict, List, NamedTuple, Sequence, Union

from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop
from torch.utils.data import DataLoader

from mmseg.registry import LOOPS
from segmif_mm.models.utils import get_phase
from ..optimizers.nonfinite import NonFiniteLossError

NONFINITE_MODES = ('raise', 'skip')


class PhaseSpan(NamedTuple):
    """One phase of one round on the global iteration axis."""
    round: int
    phase: str
    begin: int
    end: int


@LOOPS.register_module()
class AlternatingTrainLoop(IterBasedTrainLoop):
    """Iteration-based loop that alternates SegMiF's training phases.

    Each of ``num_rounds`` rounds runs the configured phases in order, e.g. a
    fusion phase of 5k iterations then a segmentation phase of 10k (paper
    §3.4/§5). Before every iteration the loop sets ``model.phase``; the model
    decides which parameters are trained and which optimizer steps. The round,
    phase and phase-local iteration are derived from the global iteration, so
    resuming from any checkpoint continues exactly where training stopped.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): Training dataloader.
        num_rounds (int): Number of rounds. Defaults to 8.
        phases (Sequence[dict]): Phases of one round, in order. Each dict has
            ``phase`` (a phase of :data:`segmif_mm.models.utils.PHASES`:
            ``'fusion'``, ``'seg'``, ``'joint'`` or ``'fusion_only'``) and
            ``iters``:
            an int, or a list with one length per round. Defaults to the
            paper's ``fusion`` 5000 then ``seg`` 10000.
        val_begin (int): Iteration from which validation may run.
            Defaults to 1.
        val_interval (int, optional): Validation interval in iterations.
            Defaults to None, i.e. at the end of every round.
        val_before_train (bool): Also validate the untrained (or freshly
            loaded) model before the first iteration, as a baseline. Not
            repeated when resuming. Defaults to False.
        nonfinite_loss (str): What a NaN or infinite loss term or gradient
            does (detected before any parameter changes by
            :class:`~segmif_mm.engine.PhaseOptimWrapperDict`): ``'raise'``
            (default) stops training with a :class:`NonFiniteLossError`
            naming the iteration, round, phase and loss terms (or
            parameters); ``'skip'`` skips that update, logs a warning and
            counts it. The count is the runtime info
            ``skipped_nonfinite_updates`` of the message hub, saved in every
            checkpoint, so it survives ``--resume``. Defaults to 'raise'.

    Example:
        >>> train_cfg = dict(
        >>>     type='AlternatingTrainLoop', num_rounds=8,
        >>>     phases=[dict(phase='fusion', iters=5000),
        >>>             dict(phase='seg', iters=10000)],
        >>>     nonfinite_loss='raise')
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 num_rounds: int = 8,
                 phases: Sequence[dict] = (dict(phase='fusion', iters=5000),
                                           dict(phase='seg', iters=10000)),
                 val_begin: int = 1,
                 val_interval: Union[int, None] = None,
                 val_before_train: bool = False,
                 nonfinite_loss: str = 'raise') -> None:
        if nonfinite_loss not in NONFINITE_MODES:
            raise ValueError(f'nonfinite_loss must be one of '
                             f'{NONFINITE_MODES}, got {nonfinite_loss!r}.')
        self.nonfinite_loss = nonfinite_loss
        self.spans = self.build_spans(num_rounds, phases)
        self.num_rounds = num_rounds
        self.round_ends = {
            max(span.end for span in self.spans if span.round == r)
            for r in {span.round
                      for span in self.spans}
        }
        max_iters = self.spans[-1].end
        super().__init__(
            runner,
            dataloader,
            max_iters=max_iters,
            val_begin=val_begin,
            val_interval=val_interval or max_iters + 1)
        self.validate_at_round_end = val_interval is None
        self.val_before_train = val_before_train
        self._span_begins = [span.begin for span in self.spans]

    @staticmethod
    def build_spans(num_rounds: int,
                    phases: Sequence[dict]) -> List[PhaseSpan]:
        """Lay the rounds' phases out on the global iteration axis."""
        if num_rounds < 1 or not phases:
            raise ValueError('AlternatingTrainLoop needs num_rounds >= 1 and '
                             f'at least one phase, got {num_rounds} rounds '
                             f'and phases={phases}.')
        spans, begin = [], 0
        for round_idx in range(num_rounds):
            for phase_cfg in phases:
                phase, iters = phase_cfg['phase'], phase_cfg['iters']
                get_phase(phase)
                if isinstance(iters, (list, tuple)):
                    if len(iters) != num_rounds:
                        raise ValueError(
                            f'Phase {phase!r} lists {len(iters)} lengths for '
                            f'{num_rounds} rounds; give one per round.')
                    iters = iters[round_idx]
                if iters > 0:
                    spans.append(
                        PhaseSpan(round_idx, phase, begin, begin + int(iters)))
                    begin += int(iters)
        if begin == 0:
            raise ValueError('AlternatingTrainLoop: all phases have 0 iters.')
        return spans

    def span_at(self, iteration: int) -> PhaseSpan:
        """The phase span that contains global ``iteration``."""
        return self.spans[bisect.bisect_right(self._span_begins, iteration) -
                          1]

    @property
    def current_span(self) -> PhaseSpan:
        return self.span_at(min(self._iter, self._max_iters - 1))

    def run(self):
        """Optionally validate the starting point, then train."""
        if (self.val_before_train and self._iter == 0
                and self.runner.val_loop is not None):
            self.runner.val_loop.run()
        return super().run()

    def run_iter(self, data_batch: Sequence[dict]) -> None:
        """Set the model's phase for this iteration, then train on it (as
        mmengine's ``IterBasedTrainLoop.run_iter``, plus the handling of a
        non-finite loss)."""
        span = self.span_at(self._iter)
        model = self.runner.model
        model = model.module if is_model_wrapper(model) else model
        if model.phase != span.phase:
            model.phase = span.phase
            print_log(
                f'Round {span.round + 1}/{self.num_rounds}: {span.phase} '
                f'phase, iterations {span.begin + 1}-{span.end} '
                f'(resuming at {self._iter + 1})' if self._iter != span.begin
                else f'Round {span.round + 1}/{self.num_rounds}: {span.phase} '
                f'phase, iterations {span.begin + 1}-{span.end}',
                logger='current')
        self.runner.message_hub.update_info('train_round', span.round)
        self.runner.message_hub.update_info('train_phase', span.phase)
        self.runner.call_hook(
            'before_train_iter', batch_idx=self._iter, data_batch=data_batch)
        try:
            outputs = self.runner.model.train_step(
                data_batch, optim_wrapper=self.runner.optim_wrapper)
        except NonFiniteLossError as err:
            outputs = self.handle_nonfinite(err, span)
        self.runner.call_hook(
            'after_train_iter',
            batch_idx=self._iter,
            data_batch=data_batch,
            outputs=outputs)
        self._iter += 1
        if (self.validate_at_round_end and self._iter in self.round_ends
                and self._iter < self._max_iters
                and self.runner.val_loop is not None
                and self._iter >= self.val_begin):
            self.runner.val_loop.run()

    def handle_nonfinite(self, err: NonFiniteLossError,
                         span: PhaseSpan) -> dict:
        """Stop with the iteration, round and phase named, or skip the
        update and count it.

        Returns:
            dict: The (empty) outputs of a skipped iteration.

        Raises:
            NonFiniteLossError: With ``nonfinite_loss='raise'``.
        """
        where = (f'Iteration {self._iter + 1} (round {span.round + 1}/'
                 f'{self.num_rounds}, {span.phase} phase)')
        if self.nonfinite_loss == 'raise':
            raise NonFiniteLossError(
                f'{where}: {err} No parameter was updated. Lower the '
                'learning rate, train in fp32 (no --amp), check the data '
                '(tools/misc/check_dataset.py), or set '
                "train_cfg.nonfinite_loss='skip' to skip such updates.",
                terms=err.terms,
                parameters=err.parameters) from err
        hub = self.runner.message_hub
        skipped = hub.get_info('skipped_nonfinite_updates', 0) + 1
        hub.update_info('skipped_nonfinite_updates', skipped)
        print_log(
            f'{where}: {err} Update skipped ({skipped} skipped so far).',
            logger='current',
            level=logging.WARNING)
        return {}
