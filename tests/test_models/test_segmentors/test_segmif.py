import glob
import os.path as osp
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from torch import nn

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from segmif_mm.models.losses import FusionLoss
from segmif_mm.models.segmentors import SegMiF
from segmif_mm.models.utils import rgb_to_ycbcr

REPO = Path(__file__).parents[3]


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


@MODELS.register_module(name='ToyFusionLoss', force=True)
class ToyFusionLoss(nn.Module):
    """Small stand-in for ``FusionLoss``: L1 to the mean of the sources."""

    def __init__(self, key: str = 'loss_toy') -> None:
        super().__init__()
        self.key = key

    def forward(self, fused_y, vis_y, ir, saliency=None):
        return {self.key: (fused_y - (vis_y + ir) / 2).abs().mean()}


def hia(**kwargs):
    return dict(
        type='HierarchicalInteractiveAttention',
        channels=8,
        num_heads=2,
        **kwargs)


def model_cfg(**kwargs) -> ConfigDict:
    cfg = dict(
        type='SegMiF',
        data_preprocessor=dict(
            type='MultiModalDataPreProcessor', size_divisor=32),
        backbone=dict(
            type='MixVisionTransformer',
            embed_dims=16,
            num_layers=[1, 1, 1, 1],
            num_heads=[1, 2, 4, 8],
            sr_ratios=[8, 4, 2, 1]),
        decode_head=dict(
            type='SegformerHead',
            in_channels=[16, 32, 64, 128],
            in_index=[0, 1, 2, 3],
            channels=16,
            dropout_ratio=0.0,
            num_classes=3,
            norm_cfg=dict(type='BN'),
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        fusion_head=dict(
            type='DRDBFusionHead',
            channels=8,
            growth=4,
            dilations=(1, 2),
            guidance_channels=(16, 32),
            hia_cfgs=[hia(), hia()]),
        fusion_loss=dict(type='ToyFusionLoss'),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))
    cfg.update(kwargs)
    return ConfigDict(cfg)


def build_model(**kwargs) -> SegMiF:
    torch.manual_seed(0)
    return MODELS.build(model_cfg(**kwargs))


def batch(size=(32, 32), num=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.rand(num, 4, *size, generator=gen)
    samples = []
    for _ in range(num):
        sample = SegDataSample(
            gt_sem_seg=PixelData(
                data=torch.randint(0, 3, (1, *size), generator=gen)))
        sample.set_metainfo(
            dict(img_shape=size, ori_shape=size, pad_shape=size))
        samples.append(sample)
    return inputs, samples


def seg_params(model):
    return [(n, p) for n, p in model.named_parameters()
            if n.startswith(('backbone.', 'decode_head.'))]


def fusion_params(model):
    return [(n, p) for n, p in model.named_parameters()
            if n.startswith('fusion_head.')]


def snapshot(params):
    return {n: p.detach().clone() for n, p in params}


def changed(before, params):
    return {n for n, p in params if not torch.equal(before[n], p)}


# -------------------------------------------------------- gradient routing
def grads_of(params, loss):
    """Gradients of ``loss`` w.r.t. ``params`` (zeros where unused)."""
    grads = torch.autograd.grad(
        loss, [p for _, p in params], retain_graph=True, allow_unused=True)
    return {
        n: torch.zeros_like(p) if g is None else g
        for (n, p), g in zip(params, grads)
    }


def test_fusion_phase_routes_weighted_seg_loss_to_fusion_head_only():
    """The segmentation loss reaches the fusion head through the fused
    image, times λ2, and does not reach the frozen segmentation network."""
    model = build_model()
    model.phase = 'fusion'
    model.task_weights = dict(fusion=0.0, seg=3.0)
    inputs, samples = batch()
    loss, _ = model.parse_losses(model.loss(inputs, samples))
    loss.backward()
    for name, param in seg_params(model):
        assert param.grad is None, name
    assert not model.backbone.training and not model.decode_head.training

    # Chain rule by hand: dL_s/d(fused RGB) on a detached copy of the fused
    # image, pulled back through the fusion head.
    _, fused_rgb, _, _ = model.fuse(inputs)
    leaf = fused_rgb.detach().requires_grad_()
    seg_loss = EncoderDecoder.loss(model, leaf, samples)['decode.loss_ce']
    (grad_fused, ) = torch.autograd.grad(seg_loss, leaf)
    assert grad_fused.abs().sum() > 0
    expected = grads_of(fusion_params(model), (fused_rgb * grad_fused).sum())
    assert any(g.abs().sum() > 0 for g in expected.values())
    for name, param in fusion_params(model):
        torch.testing.assert_close(
            param.grad,
            3.0 * expected[name],
            rtol=1e-4,
            atol=1e-5,
            msg=lambda m: f'{name}: {m}')


def test_seg_phase_fuses_under_no_grad():
    model = build_model()
    model.phase = 'seg'
    grad_enabled, seg_inputs = [], []
    model.fusion_head.register_forward_hook(
        lambda m, args, out: grad_enabled.append(torch.is_grad_enabled()))
    model.backbone.register_forward_pre_hook(
        lambda m, args: seg_inputs.append(args[0]))
    inputs, samples = batch()
    loss, _ = model.parse_losses(model.loss(inputs, samples))
    loss.backward()
    assert grad_enabled == [False]
    (seg_input, ) = seg_inputs
    assert not seg_input.requires_grad
    with torch.no_grad():
        _, fused_rgb, _, _ = model.fuse(inputs)
    torch.testing.assert_close(seg_input, imagenet_normalized(fused_rgb))
    for name, param in fusion_params(model):
        assert param.grad is None, name
    for name, param in seg_params(model):
        assert param.grad is not None, name
    assert any(p.grad.abs().sum() > 0 for _, p in seg_params(model))


def test_joint_task_weights_scale_exactly_their_task():
    """λ1·L_f + λ2·L_s: the gradients with λ = (2, 3) are 2 × those of L_f
    plus 3 × those of L_s at λ = (1, 1), for every parameter."""
    model = build_model()
    assert model.phase == 'joint'
    params = fusion_params(model) + seg_params(model)
    inputs, samples = batch()
    base = model.loss(inputs, samples)
    grad_f = grads_of(params, base['fusion.loss_toy'])
    grad_s = grads_of(params, base['decode.loss_ce'])
    # L_f trains the fusion head only (guidance under no_grad), L_s both.
    assert all(grad_f[n].abs().sum() == 0 for n, _ in seg_params(model))
    assert any(grad_f[n].abs().sum() > 0 for n, _ in fusion_params(model))
    assert any(grad_s[n].abs().sum() > 0 for n, _ in fusion_params(model))
    assert any(grad_s[n].abs().sum() > 0 for n, _ in seg_params(model))
    model.task_weights = dict(fusion=2.0, seg=3.0)
    loss, _ = model.parse_losses(model.loss(inputs, samples))
    weighted = grads_of(params, loss)
    for name, _ in params:
        torch.testing.assert_close(
            weighted[name],
            2.0 * grad_f[name] + 3.0 * grad_s[name],
            rtol=1e-4,
            atol=1e-5,
            msg=lambda m: f'{name}: {m}')


def test_fusion_only_phase_needs_no_labels_and_skips_segmentation(monkeypatch):
    model = build_model()
    model.phase = 'fusion_only'
    assert all(not p.requires_grad for _, p in seg_params(model))
    monkeypatch.setattr(
        model.backbone, 'forward',
        lambda *args: pytest.fail('fusion_only ran the backbone forward'))
    inputs, _ = batch()
    samples = [SegDataSample() for _ in range(len(inputs))]
    losses = model.loss(inputs, samples)
    assert set(losses) == {'fusion.loss_toy'}
    model.task_weights = dict(fusion=5.0, seg=1.0)
    assert torch.equal(
        model.loss(inputs, samples)['fusion.loss_toy'],
        losses['fusion.loss_toy'])
    losses['fusion.loss_toy'].backward()
    assert all(p.grad is not None for _, p in fusion_params(model))
    assert all(p.grad is None for _, p in seg_params(model))


def test_phase_freezes_modules_and_modes():
    model = build_model()
    model.phase = 'fusion'
    model.train()
    assert model.fusion_head.training
    assert not model.backbone.training and not model.decode_head.training
    assert all(not p.requires_grad for _, p in seg_params(model))
    assert all(p.requires_grad for _, p in fusion_params(model))
    model.phase = 'seg'
    assert not model.fusion_head.training
    assert model.backbone.training and model.decode_head.training
    assert all(p.requires_grad for _, p in seg_params(model))
    assert all(not p.requires_grad for _, p in fusion_params(model))
    model.eval()
    assert not any(m.training for m in model.modules())
    model.phase = 'joint'
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="phases are .*'fusion_only'"):
        model.phase = 'both'


def test_phase_is_applied_only_on_change(monkeypatch):
    model = build_model()
    model.phase = 'fusion'
    calls = []
    monkeypatch.setattr(
        model.fusion_head,
        'requires_grad_',
        lambda flag=True: calls.append(flag))
    model.phase = 'fusion'
    assert calls == []
    model.phase = 'seg'
    assert calls == [False]


# ----------------------------------------------------------------- losses
def test_loss_keys_and_task_weights():
    model = build_model()
    model.phase = 'fusion'
    inputs, samples = batch()
    base = model.loss(inputs, samples)
    assert set(base) == {
        'fusion.loss_toy', 'decode.loss_ce', 'decode.acc_seg', 'task_fusion',
        'task_seg'
    }
    model.task_weights = dict(fusion=2.0, seg=3.0)
    weighted = model.loss(inputs, samples)
    assert torch.allclose(weighted['fusion.loss_toy'],
                          2 * base['fusion.loss_toy'])
    assert torch.allclose(weighted['decode.loss_ce'],
                          3 * base['decode.loss_ce'])
    assert torch.allclose(weighted['decode.acc_seg'], base['decode.acc_seg'])
    for key in ('task_fusion', 'task_seg'):
        assert not weighted[key].requires_grad
        assert torch.allclose(weighted[key], base[key])
    assert torch.allclose(base['task_fusion'], base['fusion.loss_toy'])
    assert torch.allclose(base['task_seg'], base['decode.loss_ce'])

    model.phase = 'seg'
    assert set(model.loss(inputs,
                          samples)) == {'decode.loss_ce', 'decode.acc_seg'}
    with pytest.raises(ValueError, match='task_weights'):
        model.task_weights = dict(fusion=1.0)


def test_fusion_loss_keys_are_checked():
    model = build_model(fusion_loss=dict(type='ToyFusionLoss', key='l1'))
    with pytest.raises(KeyError, match='loss_'):
        model.loss(*batch())


def test_real_fusion_loss_gets_fused_visible_and_infrared_luminance():
    model = build_model(fusion_loss=dict(type='FusionLoss'))
    model.task_weights = dict(fusion=2.0, seg=1.0)
    inputs, samples = batch()
    losses = model.loss(inputs, samples)
    with torch.no_grad():
        fused_y, _, _, _ = model.fuse(inputs)
    # BT.601 luma of the visible image; the infrared channel as it is.
    vis_y = (0.299 * inputs[:, :1] + 0.587 * inputs[:, 1:2] +
             0.114 * inputs[:, 2:3])
    expected = FusionLoss()(fused_y, vis_y, inputs[:, 3:])
    assert {k
            for k in losses
            if k.startswith('fusion.')} == {f'fusion.{k}'
                                            for k in expected}
    for key, value in expected.items():
        torch.testing.assert_close(
            losses[f'fusion.{key}'], 2.0 * value, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(
        losses['task_fusion'], sum(expected.values()), rtol=1e-5, atol=1e-7)


def test_fusion_phase_gradients_finite_under_float16_autocast():
    """Dark, nearly flat inputs (night scenes): with the real FusionLoss,
    a float16 forward (as AmpOptimWrapper runs on CUDA) must give finite,
    non-zero fusion gradients, or the loss scaler skips every step."""
    model = build_model(fusion_loss=dict(type='FusionLoss'))
    model.phase = 'fusion'
    last_conv = model.fusion_head.decoder[-2]
    with torch.no_grad():  # a dark fused image too: sigmoid(-4.6) ~ 0.01
        last_conv.weight.mul_(1e-3)
        last_conv.bias.fill_(-4.6)
    inputs, samples = batch()
    inputs = 0.01 + 0.002 * inputs
    with torch.autocast('cpu', dtype=torch.float16):
        losses = model.loss(inputs, samples)
        loss, _ = model.parse_losses(losses)
    loss.backward()
    grads = [p.grad for _, p in fusion_params(model)]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


# ---------------------------------------------------------------- predict
def check_prediction(sample, height, width):
    assert sample.pred_sem_seg.shape == (height, width)
    assert sample.seg_logits.data.shape == (3, height, width)
    fused = sample.pred_fused_img.data
    assert fused.shape == (3, height, width)
    assert fused.min() >= 0 and fused.max() <= 1


def predict_uint8(model, image, **meta):
    """Predict one (4, H, W) uint8 image through the data preprocessor."""
    sample = SegDataSample()
    sample.set_metainfo(
        dict(ori_shape=image.shape[1:], img_shape=image.shape[1:], **meta))
    with torch.no_grad():
        return model.test_step(dict(inputs=[image], data_samples=[sample]))


def preprocessed(model, image, sample):
    """The model's input for one uint8 image, as ``test_step`` builds it."""
    data = model.data_preprocessor(
        dict(inputs=[image], data_samples=[sample]), False)
    return data['inputs']


def test_predict_odd_size_with_test_padding():
    model = build_model(
        data_preprocessor=dict(
            type='MultiModalDataPreProcessor', test_cfg=dict(size_divisor=32)))
    model.eval()
    image = torch.randint(0, 256, (4, 460, 630), dtype=torch.uint8)
    (sample, ) = predict_uint8(model, image)
    assert sample.img_padding_size == (0, 10, 0, 20)
    check_prediction(sample, 460, 630)
    # The fused image of the padded input, padding cropped off.
    inputs = preprocessed(model, image, SegDataSample())
    assert inputs.shape[2:] == (480, 640)
    with torch.no_grad():
        _, fused_rgb, _, _ = model.fuse(inputs)
    torch.testing.assert_close(sample.pred_fused_img.data,
                               fused_rgb[0, :, :460, :630])
    assert torch.equal(sample.pred_sem_seg.data[0],
                       sample.seg_logits.data.argmax(0))


def test_predict_without_data_samples():
    model = build_model().eval()
    inputs = torch.rand(1, 4, 37, 29)
    with torch.no_grad():
        (sample, ) = model.predict(inputs)
        _, fused_rgb, _, _ = model.fuse(inputs)
    check_prediction(sample, 37, 29)
    torch.testing.assert_close(sample.pred_fused_img.data, fused_rgb[0])


def test_predict_restores_flip_and_size():
    model = build_model().eval()
    image = torch.randint(0, 256, (4, 24, 40), dtype=torch.uint8)
    sample = SegDataSample()
    sample.set_metainfo(
        dict(
            ori_shape=(48, 80),
            img_shape=(24, 40),
            flip=True,
            flip_direction='horizontal'))
    with torch.no_grad():
        (out, ) = model.test_step(dict(inputs=[image], data_samples=[sample]))
        fused_rgb, _ = model(image[None].float() / 255, mode='tensor')
    check_prediction(out, 48, 80)
    expected = F.interpolate(
        fused_rgb.flip(3), size=(48, 80), mode='bilinear',
        align_corners=False)[0]
    assert torch.allclose(out.pred_fused_img.data, expected, atol=1e-6)


def test_predict_real_vifb_pair(real_data):
    # 254 x 328 (not a multiple of 32), infrared stored as one channel.
    name = 'manWalking'
    root = real_data / 'vifb_pairs'
    vis = cv2.imread(str(root / 'vi' / f'{name}.jpg'), cv2.IMREAD_COLOR)
    ir = cv2.imread(str(root / 'ir' / f'{name}.jpg'), cv2.IMREAD_GRAYSCALE)
    assert vis is not None and ir is not None
    image = np.concatenate(
        [cv2.cvtColor(vis, cv2.COLOR_BGR2RGB), ir[..., None]], axis=2)
    height, width = ir.shape
    model = build_model().eval()
    image = torch.from_numpy(image).permute(2, 0, 1).contiguous()
    (sample, ) = predict_uint8(model, image)
    check_prediction(sample, height, width)
    with torch.no_grad():
        _, fused_rgb, _, _ = model.fuse(image[None].float() / 255)
    torch.testing.assert_close(sample.pred_fused_img.data, fused_rgb[0])


def test_tensor_mode_matches_the_pipeline_written_out():
    """§3: fuse on the visible Y (BT.601) guided by the backbone's first two
    stages on the visible image, put the visible Cb/Cr back, segment the
    fused RGB."""
    model = build_model().eval()
    inputs = torch.rand(2, 4, 64, 96)
    rgb, ir = inputs[:, :3], inputs[:, 3:]
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    r, g, b = rgb.unbind(1)
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = (b - y) / 1.772 + 0.5
    cr = (r - y) / 1.402 + 0.5
    with torch.no_grad():
        guidance = model.backbone((rgb - mean) / std)[:2]
        fused_y = model.fusion_head(y[:, None], ir, tuple(guidance))[:, 0]
        fused = torch.stack([
            fused_y + 1.402 * (cr - 0.5), fused_y - 0.344136 *
            (cb - 0.5) - 0.714136 * (cr - 0.5), fused_y + 1.772 * (cb - 0.5)
        ], 1).clamp(0, 1)
        logits = F.interpolate(
            model.decode_head(model.backbone((fused - mean) / std)),
            size=(64, 96),
            mode='bilinear',
            align_corners=False)
        fused_rgb, seg_logits = model(inputs, mode='tensor')
    torch.testing.assert_close(fused_rgb, fused, rtol=0, atol=1e-4)
    torch.testing.assert_close(seg_logits, logits, rtol=0, atol=1e-4)


def test_tensor_mode_matches_predict():
    model = build_model().eval()
    inputs = torch.rand(2, 4, 27, 45)
    with torch.no_grad():
        fused_rgb, seg_logits = model(inputs, mode='tensor')
        samples = model.predict(inputs)
    assert fused_rgb.shape == (2, 3, 27, 45)
    assert seg_logits.shape == (2, 3, 27, 45)
    for i, sample in enumerate(samples):
        assert torch.allclose(sample.seg_logits.data, seg_logits[i], atol=1e-5)
        assert torch.equal(sample.pred_sem_seg.data[0],
                           seg_logits[i].argmax(0))
        assert torch.equal(sample.pred_fused_img.data, fused_rgb[i])


def test_tensor_mode_exports_to_onnx(tmp_path):
    model = build_model().eval()
    inputs = torch.rand(1, 4, 32, 32)
    path = str(tmp_path / 'segmif.onnx')
    torch.onnx.export(
        model, (inputs, ),
        path,
        input_names=['inputs'],
        output_names=['fused_rgb', 'seg_logits'],
        opset_version=17,
        dynamo=False)
    fused, logits = ort.InferenceSession(path).run(None,
                                                   {'inputs': inputs.numpy()})
    with torch.no_grad():
        ref_fused, ref_logits = model(inputs, mode='tensor')
    np.testing.assert_allclose(fused, ref_fused.numpy(), atol=1e-5)
    np.testing.assert_allclose(logits, ref_logits.numpy(), atol=1e-4)


def test_grey_visible_gives_grey_fused_image():
    model = build_model().eval()
    grey = torch.rand(1, 1, 32, 40)
    inputs = torch.cat([grey.expand(-1, 3, -1, -1), torch.rand_like(grey)], 1)
    with torch.no_grad():
        fused_rgb, _ = model(inputs, mode='tensor')
    assert torch.allclose(fused_rgb[:, :1], fused_rgb[:, 1:2], atol=1e-5)
    assert torch.allclose(fused_rgb[:, :1], fused_rgb[:, 2:], atol=1e-5)


def test_fused_rgb_keeps_visible_chroma():
    model = build_model().eval()
    inputs = torch.rand(1, 4, 32, 32) * 0.2 + 0.4  # inside the RGB gamut
    with torch.no_grad():
        fused_y, fused_rgb, vis_y, _ = model.fuse(inputs)
    y, cb, cr = rgb_to_ycbcr(fused_rgb)
    _, vis_cb, vis_cr = rgb_to_ycbcr(inputs[:, :3])
    assert torch.allclose(y, fused_y, atol=1e-5)
    assert torch.allclose(cb, vis_cb, atol=1e-5)
    assert torch.allclose(cr, vis_cr, atol=1e-5)
    assert torch.allclose(vis_y, rgb_to_ycbcr(inputs[:, :3])[0])


# --------------------------------------------------------------- guidance
def record_calls(model):
    calls = dict(fusion=[], stages=[], embed_inputs=[])
    model.fusion_head.register_forward_hook(
        lambda m, args, out: calls['fusion'].append(args[2]))
    for i, layer in enumerate(model.backbone.layers):
        layer[0].register_forward_hook(
            lambda m, args, out, i=i: calls['stages'].append(i))
    model.backbone.layers[0][0].register_forward_hook(
        lambda m, args, out: calls['embed_inputs'].append(args[0]))
    return calls


def imagenet_normalized(rgb):
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (rgb - mean) / std


@pytest.mark.parametrize('source,fusion_passes', [('visible', 1), ('mean', 1),
                                                  ('fused', 2)])
def test_guidance_source(source, fusion_passes):
    """The backbone sees the documented guide image, then the fused one."""
    model = build_model(guidance_source=source)
    calls = record_calls(model)
    inputs, samples = batch()
    model.loss(inputs, samples)
    assert len(calls['fusion']) == fusion_passes
    # Guidance passes run MiT stages 1-2 only; segmentation runs all four.
    assert calls['stages'] == [0, 1] * fusion_passes + [0, 1, 2, 3]
    seen = list(calls['embed_inputs'])
    assert all(not g.requires_grad for g in calls['fusion'][-1])
    vis, ir = inputs[:, :3], inputs[:, 3:]
    with torch.no_grad():
        fused_rgb = model.fuse(inputs)[1]
        guides = dict(
            visible=[vis],
            mean=[(vis + ir) / 2],
            # the fused image of the visible-guided model, then guidance
            # from it
            fused=[vis, build_model().fuse(inputs)[1]])[source]
    assert len(seen) == len(guides) + 1
    for image, expected in zip(seen, guides + [fused_rgb]):
        torch.testing.assert_close(image[..., :32, :32],
                                   imagenet_normalized(expected))


def test_guidance_grad():
    model = build_model(guidance_grad=True)
    calls = record_calls(model)
    model.loss(*batch())
    assert all(g.requires_grad for g in calls['fusion'][0])


def test_m1_model_skips_guidance_pass():
    m1 = hia(use_soam=False, use_moam=False)
    model = build_model(
        fusion_head=dict(
            type='DRDBFusionHead',
            channels=8,
            growth=4,
            dilations=(1, ),
            guidance_channels=(16, 32),
            hia_cfgs=[m1, m1]))
    calls = record_calls(model)
    model.loss(*batch())
    assert calls['stages'] == [0, 1, 2, 3]


# ------------------------------------------------------------ validation
def test_bad_inputs_and_arguments():
    model = build_model()
    with pytest.raises(ValueError, match=r'\[B, 4, H, W\]'):
        model(torch.rand(1, 3, 32, 32), mode='tensor')
    with pytest.raises(ValueError, match='MultiModalDataPreProcessor'):
        model(torch.rand(1, 4, 32, 32) * 255, mode='tensor')
    with pytest.raises(ValueError, match='guidance_source'):
        build_model(guidance_source='infrared')
    with pytest.raises(ValueError, match='backbone_mean'):
        build_model(backbone_std=(0.2, 0.2))


# -------------------------------------------------------------- configs
def test_base_model_configs():
    files = sorted(
        glob.glob(
            str(REPO / 'configs/_base_/models/**/segmif_mit-*.py'),
            recursive=True))
    assert len(files) == 6 + 7
    for path in files:
        model = Config.fromfile(path).model
        widths = [
            model.backbone.embed_dims * h for h in model.backbone.num_heads
        ]
        assert list(model.decode_head.in_channels) == widths, path
        # SegMiF takes the guidance widths from the backbone.
        assert 'guidance_channels' not in model.fusion_head, path
        variant = osp.basename(path)[len('segmif_mit-'):][:2]
        assert model.backbone.init_cfg == dict(
            type='Pretrained', checkpoint=f'pretrain/mit_{variant}.pth'), path
        assert model.data_preprocessor.type == 'MultiModalDataPreProcessor'
        assert len(model.fusion_head.hia_cfgs) == 2


def test_b0_config_builds_and_runs():
    cfg = Config.fromfile(str(REPO / 'configs/_base_/models/segmif_mit-b0.py'))
    cfg.model.decode_head.norm_cfg = dict(type='BN', requires_grad=True)
    cfg.model.fusion_loss = dict(type='ToyFusionLoss')
    model = MODELS.build(cfg.model)
    # The guidance comes from MiT-B0's first two stages.
    assert model.fusion_head.guidance_channels == (32, 64)
    model.phase = 'fusion'
    loss, _ = model.parse_losses(model.loss(*batch(size=(24, 24), num=1)))
    loss.backward()
    assert all(p.grad is None for _, p in seg_params(model))
    assert any(p.grad.abs().sum() > 0 for _, p in fusion_params(model))


def test_guidance_channels_come_from_the_backbone():
    head = model_cfg().fusion_head
    head.pop('guidance_channels')
    model = build_model(fusion_head=head)
    assert model.fusion_head.guidance_channels == (16, 32)
    assert model.fusion_head.guidance_projs['1'].in_channels == 32
    with pytest.raises(ValueError, match=r'have \(16, 32\) channels'):
        build_model(fusion_head=dict(head, guidance_channels=(64, 128)))


def test_normalising_preprocessor_is_rejected():
    preprocessor = dict(
        type='MultiModalDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375])
    with pytest.raises(ValueError, match='mean=None, std=None'):
        build_model(data_preprocessor=preprocessor)
    model = build_model(
        data_preprocessor=dict(preprocessor, mean=None, std=None))
    assert not model.data_preprocessor.normalizes


# ------------------------------------------------------------------- CUDA
@pytest.mark.cuda
def test_cuda_matches_cpu_and_runs_under_fp16_autocast(monkeypatch):
    # TF32 (cuDNN's default for convolutions) rounds to 10 mantissa bits
    monkeypatch.setattr(torch.backends.cudnn, 'allow_tf32', False)
    monkeypatch.setattr(torch.backends.cuda.matmul, 'allow_tf32', False)
    model = build_model().eval()
    inputs, _ = batch(size=(37, 45))
    with torch.no_grad():
        fused_cpu, logits_cpu = model(inputs, mode='tensor')
        model.cuda()
        fused, logits = model(inputs.cuda(), mode='tensor')
        torch.testing.assert_close(
            fused.cpu(), fused_cpu, rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(
            logits.cpu(), logits_cpu, rtol=1e-4, atol=1e-4)
        with torch.autocast('cuda', dtype=torch.float16):
            fused_half, logits_half = model(inputs.cuda(), mode='tensor')
    assert torch.isfinite(fused_half).all() and torch.isfinite(
        logits_half).all()
    assert (fused_half.float() - fused).abs().max() < 0.05
