from typing import Optional

from mmengine.hooks import ParamSchedulerHook
from mmengine.model import is_model_wrapper

from mmseg.registry import HOOKS
from segmif_mm.models.utils import get_phase


@HOOKS.register_module()
class PhaseParamSchedulerHook(ParamSchedulerHook):
    """Step only the schedulers of the optimizer(s) trained in this phase.

    With ``param_scheduler = dict(fusion=[...], seg=[...])`` every scheduler
    counts its own phase's iterations, so ``begin``/``end`` of the fusion
    schedulers are fusion iterations (``num_rounds * fusion_iters`` in all)
    and likewise for segmentation. Iteration-based schedulers only; a plain
    list of schedulers (one optimizer) is stepped every iteration as usual.

    Example:
        >>> default_hooks = dict(
        >>>     param_scheduler=dict(type='PhaseParamSchedulerHook'))
    """

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not isinstance(runner.param_schedulers, dict):
            super().after_train_iter(runner, batch_idx, data_batch, outputs)
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        for name in get_phase(model.phase).trains:
            for scheduler in runner.param_schedulers.get(name, []):
                if scheduler.by_epoch:
                    raise ValueError(
                        'PhaseParamSchedulerHook steps iteration-based '
                        f'schedulers only; set by_epoch=False for {name!r}.')
                scheduler.step()
