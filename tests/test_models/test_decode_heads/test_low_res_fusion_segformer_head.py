import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from mmseg.registry import MODELS
from segmif_mm.models.decode_heads import LowResFusionSegformerHead

IN_CHANNELS = [8, 16, 24, 32]


def head_cfg(head_type, **kwargs):
    cfg = dict(
        type=head_type,
        in_channels=IN_CHANNELS,
        in_index=[0, 1, 2, 3],
        channels=12,
        dropout_ratio=0.0,
        num_classes=5,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False)
    cfg.update(kwargs)
    return cfg


def head_pair(**kwargs):
    """A stock SegformerHead and ours with the same weights."""
    torch.manual_seed(0)
    stock = MODELS.build(head_cfg('SegformerHead', **kwargs))
    ours = MODELS.build(head_cfg('LowResFusionSegformerHead', **kwargs))
    for module in stock.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
    ours.load_state_dict(stock.state_dict())
    return stock, ours


def features(size=(12, 16), batch=2):
    gen = torch.Generator().manual_seed(1)
    return [
        torch.randn(batch, c, size[0] // 2**i, size[1] // 2**i, generator=gen)
        for i, c in enumerate(IN_CHANNELS)
    ]


def test_registered_and_checkpoint_compatible():
    stock, ours = head_pair()
    assert isinstance(ours, LowResFusionSegformerHead)
    assert stock.state_dict().keys() == ours.state_dict().keys()


@pytest.mark.parametrize('align_corners', [False, True])
@pytest.mark.parametrize('size', [(12, 16), (13, 19)])
def test_eval_outputs_equal_segformer_head(align_corners, size):
    stock, ours = head_pair(align_corners=align_corners)
    stock.eval(), ours.eval()
    feats = features(size)
    with torch.no_grad():
        expected, actual = stock(feats), ours(feats)
    assert actual.shape == (2, 5, size[0], size[1])
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)


def test_without_norm_adds_the_fusion_bias():
    stock, ours = head_pair(norm_cfg=None)
    assert ours.fusion_conv.conv.bias is not None
    ours.fusion_conv.conv.bias.data.uniform_(1.0, 2.0)
    stock.load_state_dict(ours.state_dict())
    feats = features()
    with torch.no_grad():
        torch.testing.assert_close(
            ours(feats), stock(feats), rtol=1e-5, atol=1e-5)


def test_training_gradients_equal_segformer_head():
    stock, ours = head_pair()
    stock.train(), ours.train()
    results = []
    for head in (stock, ours):
        feats = [f.requires_grad_() for f in features()]
        (head(feats).square().mean()).backward()
        results.append(([f.grad for f in feats], {
            name: p.grad
            for name, p in head.named_parameters()
        }))
    (stock_in, stock_params), (ours_in, ours_params) = results
    for expected, actual in zip(stock_in, ours_in):
        torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-6)
    for name, expected in stock_params.items():
        torch.testing.assert_close(
            ours_params[name], expected, rtol=1e-4, atol=1e-6, msg=name)
    torch.testing.assert_close(ours.fusion_conv.norm.running_mean,
                               stock.fusion_conv.norm.running_mean)


def test_needs_fewer_flops_than_segformer_head():
    stock, ours = head_pair(channels=64)
    feats = features(size=(64, 64), batch=1)
    counts = []
    for head in (stock, ours):
        head.eval()
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            head(feats)
        counts.append(counter.get_total_flops())
    assert counts[1] < 0.6 * counts[0]
