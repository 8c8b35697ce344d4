import copy
from typing import Optional

from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor
from torch import nn

from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS
from segmif_mm.models.utils import TASK_MODULES
from .phase_optim_wrapper_dict import PhaseOptimWrapperDict


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SegMiFOptimWrapperConstructor:
    """One optimizer wrapper per task, as a :class:`PhaseOptimWrapperDict`.

    Each task's wrapper is built by mmengine's
    ``DefaultOptimWrapperConstructor`` from its own config (optimizer, wrapper
    type, ``paramwise_cfg``) over the submodules the task owns, so parameter
    names and ``custom_keys`` are the same as in the full model (e.g.
    ``backbone.layers.0``). The submodules of each task come from the
    model's ``task_modules`` (``SegMiF(task_modules=...)``, by default
    :data:`segmif_mm.models.utils.TASK_MODULES`); every trainable parameter
    must belong to exactly one task.

    Args:
        optim_wrapper_cfg (dict): One optimizer-wrapper config per task.
        paramwise_cfg (dict, optional): Not supported at this level; give
            ``paramwise_cfg`` inside each task's config.

    Example:
        >>> optim_wrapper = dict(
        >>>     constructor='SegMiFOptimWrapperConstructor',
        >>>     fusion=dict(type='OptimWrapper',
        >>>                 optimizer=dict(type='Adam', lr=1e-4)),
        >>>     seg=dict(type='OptimWrapper',
        >>>              optimizer=dict(type='AdamW', lr=8e-5),
        >>>              paramwise_cfg=dict(
        >>>                  custom_keys=dict(head=dict(lr_mult=10.)))))
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg:
            raise ValueError(
                'SegMiFOptimWrapperConstructor: put `paramwise_cfg` inside '
                'the `fusion` / `seg` optimizer-wrapper configs.')
        cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        if 'task_modules' in cfg:
            raise ValueError(
                '`optim_wrapper.task_modules` moved to the model: write '
                '`model = dict(task_modules=...)`, so that the phases freeze '
                'and the optimizers update the same modules.')
        self.constructors = {
            task:
            DefaultOptimWrapperConstructor(task_cfg,
                                           task_cfg.pop('paramwise_cfg', None))
            for task, task_cfg in cfg.items()
        }

    def __call__(self, model: nn.Module) -> PhaseOptimWrapperDict:
        model = model.module if is_model_wrapper(model) else model
        task_modules = getattr(model, 'task_modules', TASK_MODULES)
        if set(self.constructors) != set(task_modules):
            raise ValueError(
                f'optim_wrapper has configs for the tasks '
                f'{sorted(self.constructors)}, but {type(model).__name__} '
                f'trains the tasks {sorted(task_modules)}; give one '
                'optimizer-wrapper config per task.')
        wrappers, owned = {}, set()
        for task, module_names in task_modules.items():
            modules = nn.ModuleDict()
            for name in module_names:
                module = getattr(model, name, None)
                if module is None:
                    continue
                modules[name] = module.module if is_model_wrapper(
                    module) else module
            if not modules:
                raise ValueError(
                    f'Task {task!r} owns none of the submodules '
                    f'{list(module_names)} of {type(model).__name__}.')
            owned.update(id(p) for p in modules.parameters())
            wrappers[task] = self.constructors[task](modules)
        orphans = [
            name for name, p in model.named_parameters()
            if p.requires_grad and id(p) not in owned
        ]
        if orphans:
            raise ValueError(
                'These trainable parameters belong to no task; add their '
                f'module to `model.task_modules`: {orphans[:5]}')
        return PhaseOptimWrapperDict(**wrappers)
