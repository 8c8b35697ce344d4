"""What every forward pass of an inference model runs inside."""
import threading
from contextlib import ExitStack, contextmanager
from typing import Iterator, List

import torch
from torch import nn

from .memory import reuse_freed_memory
from .precision import check_precision


class InferenceScope:
    """Precision and memory reuse around the forward passes of modules.

    :meth:`attach` registers forward hooks on a module so that each of its
    forward passes runs inside :meth:`__call__`: under bfloat16 autocast
    for ``precision='bf16'``, and with glibc's reuse of freed large blocks
    (:func:`~segmif_mm.deploy.memory.reuse_freed_memory`) when
    ``reuse_memory`` is True. Scopes of nested modules nest.

    Example:
        >>> scope = InferenceScope('bf16', 'cpu', reuse_memory=True)
        >>> scope.attach(model)
        >>> with torch.no_grad():
        ...     fused_rgb, seg_logits = model(inputs, mode='tensor')

    Args:
        precision (str): ``'fp32'`` or ``'bf16'``
            (:mod:`segmif_mm.deploy.precision`). Defaults to 'fp32'.
        device_type (str): Device type the passes run on. Defaults to 'cpu'.
        reuse_memory (bool): Reuse freed memory within a pass (glibc).
            Defaults to False.
    """

    def __init__(self,
                 precision: str = 'fp32',
                 device_type: str = 'cpu',
                 reuse_memory: bool = False) -> None:
        check_precision(precision, device_type)
        self.precision = precision
        self.device_type = device_type
        self.reuse_memory = reuse_memory
        self._local = threading.local()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        """The scope of one forward pass."""
        with ExitStack() as stack:
            if self.precision == 'bf16':
                stack.enter_context(
                    torch.autocast(self.device_type, dtype=torch.bfloat16))
            if self.reuse_memory:
                stack.enter_context(reuse_freed_memory())
            yield

    def attach(self, module: nn.Module) -> None:
        """Run every forward pass of ``module`` inside the scope.

        Args:
            module (nn.Module): The module.
        """
        module.register_forward_pre_hook(self._enter, prepend=True)
        module.register_forward_hook(self._leave, always_call=True)

    def _open_scopes(self) -> List[ExitStack]:
        if not hasattr(self._local, 'scopes'):
            self._local.scopes = []
        return self._local.scopes

    def _enter(self, module: nn.Module, args: tuple) -> None:
        stack = ExitStack()
        stack.enter_context(self())
        self._open_scopes().append(stack)

    def _leave(self, module: nn.Module, args: tuple, output: object) -> None:
        scopes = self._open_scopes()
        if scopes:
            scopes.pop().close()
