from typing import Dict, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from mmseg.registry import HOOKS


def context_entropies(model: nn.Module) -> Dict[str, float]:
    """Normalised context entropies of every attention module of a model.

    Reads the ``context_entropy`` dict that
    :class:`~segmif_mm.models.necks.HierarchicalInteractiveAttention` keeps
    from its last forward pass.

    Args:
        model (nn.Module): A model, possibly wrapped.

    Returns:
        dict[str, float]: ``<module path>.<context>`` (e.g.
        ``fusion_head.interactions.0.soam_ir``) to the mean entropy divided
        by ``log d``: 1 for a uniform context, 0 for one-hot.
    """
    if is_model_wrapper(model):
        model = model.module
    return {
        f'{path}.{name}': float(value)
        for path, module in model.named_modules()
        for name, value in getattr(module, 'context_entropy', {}).items()
    }


@HOOKS.register_module()
class ContextEntropyHook(Hook):
    """Log the entropy of the HIA attention contexts during training.

    Every ``interval`` training iterations, each context's mean entropy over
    the batch, heads and rows, divided by ``log d`` (1 = uniform, so no
    attention; 0 = one-hot), is written to the message hub as
    ``train/entropy/<module path>.<context>``, where the logger prints it
    with the losses. It shows whether attention starts uniform and whether
    training sharpens it.

    Example:
        >>> custom_hooks = [dict(type='ContextEntropyHook', interval=50)]

    Args:
        interval (int): Iterations between two records. Defaults to 50.
    """

    priority = 'NORMAL'  # before LoggerHook, which prints the values

    def __init__(self, interval: int = 50) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}.')
        self.interval = interval

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        for name, value in context_entropies(runner.model).items():
            runner.message_hub.update_scalar(f'train/entropy/{name}', value)
