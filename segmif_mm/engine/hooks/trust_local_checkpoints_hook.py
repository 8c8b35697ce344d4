from mmengine.hooks import Hook

from mmseg.registry import HOOKS
from segmif_mm.utils import trust_local_checkpoints


@HOOKS.register_module()
class TrustLocalCheckpointsHook(Hook):
    """Opt in to full unpickling of local checkpoints for this run.

    torch >= 2.6 refuses to unpickle the training state that mmengine 0.10.7
    stores in its checkpoints, so ``resume``, ``load_from`` and testing a
    trained checkpoint fail. ``before_run`` (which the runner calls before
    it initialises weights and loads or resumes a checkpoint) calls
    :func:`segmif_mm.utils.trust_local_checkpoints`. The tools in ``tools/``
    do this themselves; add this hook to run SegMiF configs with other
    runners, e.g. MMSeg's own ``tools/train.py``. Only for checkpoints you
    trust: unpickling can execute code.

    Example:
        >>> custom_hooks = [dict(type='TrustLocalCheckpointsHook')]
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        trust_local_checkpoints()
