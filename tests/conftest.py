"""Fixtures shared across the test suite: a tiny SegMiF and tiny demo data."""
import copy
from pathlib import Path

import pytest

from segmif_mm.datasets import generate_demo_dataset

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = REPO.parent / 'shared' / 'data' / 'real'

TINY_SEGMIF = dict(
    type='SegMiF',
    data_preprocessor=dict(type='MultiModalDataPreProcessor', pad_val=0,
                           seg_pad_val=255),
    backbone=dict(
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=16,
        num_layers=[1, 1, 1, 1],
        num_heads=[1, 2, 4, 8],
        sr_ratios=[8, 4, 2, 1],
        drop_path_rate=0.0),
    decode_head=dict(
        type='SegformerHead',
        in_channels=[16, 32, 64, 128],
        in_index=[0, 1, 2, 3],
        channels=16,
        dropout_ratio=0.0,
        num_classes=4,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    fusion_head=dict(
        type='DRDBFusionHead',
        channels=8,
        growth=4,
        dilations=(1, 2),
        guidance_channels=(16, 32),
        hia_cfgs=[
            dict(type='HierarchicalInteractiveAttention', channels=8,
                 num_heads=2),
            dict(type='HierarchicalInteractiveAttention', channels=8,
                 num_heads=2)
        ]),
    fusion_loss=dict(type='FusionLoss'),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))


@pytest.fixture
def tiny_segmif_cfg() -> dict:
    """A SegMiF small enough for CPU unit tests (4 demo classes)."""
    return copy.deepcopy(TINY_SEGMIF)


@pytest.fixture(scope='session')
def demo_data_root(tmp_path_factory) -> Path:
    """A small copy of the procedural demo dataset (64 x 80 frames)."""
    root = tmp_path_factory.mktemp('segmif_demo')
    generate_demo_dataset(str(root), num_train=8, num_test=4, size=(64, 80))
    return root


@pytest.fixture
def real_data() -> Path:
    """The real IR/VIS samples beside the checkout, or skip."""
    if not REAL_DATA.is_dir():
        pytest.skip(f'real samples not found at {REAL_DATA} (CI provides '
                    '../shared/data/real beside the checkout)')
    return REAL_DATA
