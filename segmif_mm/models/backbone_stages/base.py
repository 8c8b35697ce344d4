"""Run the first stages of a backbone: the interface and its fallback."""
import logging
from abc import ABCMeta, abstractmethod
from typing import List, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import Registry
from torch import Tensor, nn

#: :class:`BackboneStages` classes by the import path of the backbone class
#: they run (``'mmseg.models.backbones.mit.MixVisionTransformer'``). Paths,
#: not classes, so that a package is not imported before a config asks for
#: one of its backbones. Register with
#: ``@BACKBONE_STAGES.register_module(name=[PATH, ...])``.
BACKBONE_STAGES = Registry('backbone stages')


def class_path(cls: type) -> str:
    """``'package.module.ClassName'`` of a class (the name it is registered
    under in :data:`BACKBONE_STAGES`)."""
    return f'{cls.__module__}.{cls.__qualname__}'


class BackboneStages(metaclass=ABCMeta):
    """How to compute the feature maps of a backbone's first k stages.

    SegMiF's fusion head is guided by the features of the segmentation
    backbone's first two stages (strides 4 and 8). An implementation runs
    only those stages, exactly as the backbone's own ``forward`` computes
    them (same maps as the first k entries of ``backbone(img)`` with all
    stages in ``out_indices``), and says which input sizes the backbone
    accepts. Implementations are stateless; the backbone is an argument.
    """

    @abstractmethod
    def channels(self, backbone: nn.Module) -> Tuple[int, ...]:
        """Channels of each stage's feature map, one entry per stage."""

    def min_size(self, backbone: nn.Module) -> int:
        """Smallest image side the backbone accepts. Defaults to 1."""
        return 1

    def size_divisor(self, backbone: nn.Module) -> int:
        """Pad image sides to a multiple of this before the backbone, so
        that no stage drops border pixels. Defaults to 1 (no padding)."""
        return 1

    @abstractmethod
    def forward(self, backbone: nn.Module, img: Tensor,
                num_stages: int) -> List[Tensor]:
        """Feature maps of stages ``0 .. num_stages - 1``.

        Args:
            backbone (nn.Module): The backbone.
            img (Tensor): Normalised images ``[B, C_in, H, W]``, padded as
                :meth:`min_size` and :meth:`size_divisor` say.
            num_stages (int): Number of leading stages, at least 1.

        Returns:
            list[Tensor]: ``[B, channels[i], H_i, W_i]`` per stage.
        """

    def check(self, backbone: nn.Module, num_stages: int) -> None:
        """Raise ``ValueError`` unless ``1 <= num_stages <= #stages``."""
        total = len(self.channels(backbone))
        if not 1 <= num_stages <= total:
            raise ValueError(
                f'num_stages must be between 1 and {total} (the '
                f'{type(backbone).__name__} has {total} stages), got '
                f'{num_stages}.')

    def __call__(self, backbone: nn.Module, img: Tensor,
                 num_stages: int) -> List[Tensor]:
        """:meth:`forward` after :meth:`check`. A model wrapper (the
        per-module DDP of ``MMSeparateDistributedDataParallel``) is
        unwrapped: the stages are the wrapped module's."""
        if is_model_wrapper(backbone):
            backbone = backbone.module
        self.check(backbone, num_stages)
        return self.forward(backbone, img, num_stages)


def output_norm(backbone: nn.Module, index: int) -> nn.Module:
    """``norm{index}``, the output norm that Swin and ConvNeXt build only
    for the stages in ``out_indices``."""
    norm = getattr(backbone, f'norm{index}', None)
    if norm is None:
        raise ValueError(
            f'{type(backbone).__name__} has no output norm for stage '
            f'{index}: the guidance needs the features of stage {index}, '
            f'so add {index} to the backbone\'s out_indices (got '
            f'{tuple(backbone.out_indices)}).')
    return norm


class WholeBackboneStages(BackboneStages):
    """Fallback for backbones without a registered :class:`BackboneStages`:
    the whole backbone runs and its first k outputs are taken.

    Correct when the backbone outputs one map per stage in stage order
    (``out_indices`` starting at 0), but every stage is computed, so the
    guidance pass costs a full backbone forward. The channels are read from
    one forward of a 224 x 224 image.
    """

    probe_size = 224

    def channels(self, backbone: nn.Module) -> Tuple[int, ...]:
        param = next(backbone.parameters(), torch.zeros(()))
        probe = param.new_zeros(1, 3, self.probe_size, self.probe_size)
        training = backbone.training
        backbone.eval()
        try:
            with torch.no_grad():
                outs = backbone(probe)
        finally:
            backbone.train(training)
        return tuple(out.shape[1] for out in outs)

    def check(self, backbone: nn.Module, num_stages: int) -> None:
        """Checked in :meth:`forward`, which has the outputs."""

    def forward(self, backbone: nn.Module, img: Tensor,
                num_stages: int) -> List[Tensor]:
        outs = backbone(img)
        if len(outs) < num_stages:
            raise ValueError(
                f'{type(backbone).__name__} returns {len(outs)} feature '
                f'maps, but {num_stages} stages are needed; add the first '
                f'{num_stages} stages to its out_indices.')
        return list(outs[:num_stages])


def get_backbone_stages(backbone: nn.Module) -> BackboneStages:
    """The :class:`BackboneStages` registered in :data:`BACKBONE_STAGES` for
    a backbone's class (or its closest registered base class), else
    :class:`WholeBackboneStages` with a warning.

    Args:
        backbone (nn.Module): The backbone.

    Returns:
        BackboneStages: The stage runner.
    """
    # Looked up in the registry's table: its get() would read the dots of
    # an import path as a scope.
    for cls in type(backbone).__mro__:
        stages_cls = BACKBONE_STAGES.module_dict.get(class_path(cls))
        if stages_cls is not None:
            return stages_cls()
    print_log(
        f'No BackboneStages registered for {class_path(type(backbone))}: '
        'the guidance pass runs the whole backbone and takes its first '
        'outputs as the stage features (correct if it returns one map per '
        'stage from stage 0 on, but slower). Register one in '
        'segmif_mm.models.backbone_stages.BACKBONE_STAGES to run only the '
        'stages needed.',
        logger='current',
        level=logging.WARNING)
    return WholeBackboneStages()
