"""Tiny configs of the backbones SegMiF supports, for the model tests."""
import copy

import pytest

TINY_BACKBONES = dict(
    mit=dict(
        type='MixVisionTransformer',
        embed_dims=8,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 2, 4, 8],
        sr_ratios=[8, 4, 2, 1]),
    resnet=dict(
        type='ResNet', depth=50, base_channels=4, norm_cfg=dict(type='BN')),
    resnetv1c=dict(
        type='ResNetV1c',
        depth=18,
        base_channels=4,
        stem_channels=8,
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        contract_dilation=True,
        norm_cfg=dict(type='BN')),
    swin=dict(
        type='SwinTransformer',
        embed_dims=12,
        depths=[1, 1, 1, 1],
        num_heads=[1, 2, 2, 4],
        window_size=7),
    convnext=dict(
        type='mmpretrain.ConvNeXt',
        arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 32, 64]),
        out_indices=[0, 1, 2, 3],
        gap_before_final_norm=False),
)


@pytest.fixture(scope='session')
def mmpretrain_models() -> None:
    """Register mmpretrain's backbones (as the ConvNeXt configs do)."""
    import segmif_mm.models.mmpretrain_models  # noqa: F401


@pytest.fixture
def tiny_backbone_cfg(request, mmpretrain_models) -> dict:
    """Config of the tiny backbone named by the test's parameter."""
    return copy.deepcopy(TINY_BACKBONES[request.param])
