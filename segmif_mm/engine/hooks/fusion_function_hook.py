from mmengine.hooks import Hook

from mmseg.registry import HOOKS
from segmif_mm.models.utils import check_fusion_function, fusion_function


@HOOKS.register_module()
class FusionFunctionHook(Hook):
    """Keep a checkpoint's fused image the same wherever it is loaded.

    Before every save it records the options that decide the model's fused
    image (:func:`~segmif_mm.models.utils.fusion_function`: HIA's context
    form, activations, dilations, guidance source and backbone ...) in the
    checkpoint's ``meta['fusion_function']``. After every load
    (``load_from`` or ``resume``) it compares the checkpoint's options with
    the config's and stops with an error that lists each difference when
    the same weights would compute another fused image. Checkpoints of
    other models (no fusion head) pass unchecked.

    Example:
        >>> default_hooks = dict(
        ...     fusion_function=dict(type='FusionFunctionHook'))
    """

    priority = 'VERY_HIGH'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        recorded = fusion_function(runner.cfg.get('model'))
        if recorded is not None:
            checkpoint.setdefault('meta', {})['fusion_function'] = recorded

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        check_fusion_function(
            checkpoint.get('meta') or {}, runner.cfg.get('model'),
            str(runner.cfg.get('load_from') or 'The checkpoint'))
