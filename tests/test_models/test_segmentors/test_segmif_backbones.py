"""SegMiF with MiT, mmpretrain's ConvNeXt and Swin: the tiny variants of the
shipped configs train one alternating round, predict and count FLOPs."""
import runpy
from pathlib import Path

import pytest
import torch
from mmengine.analysis import parameter_count
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmseg.registry import MODELS
from segmif_mm.apis import drop_pretrained, inference_model, init_model

REPO = Path(__file__).parents[3]
alternating_train_config = runpy.run_path(
    str(REPO / 'tests' / 'test_engine' /
        'training_helpers.py'))['alternating_train_config']
TOOL = runpy.run_path(str(REPO / 'tools' / 'analysis' / 'get_flops.py'))
CONFIGS = dict(
    mit='segmif_tiny.py',
    convnext='segmif_convnext_tiny.py',
    swin='segmif_swin_tiny.py')
# The backbone's stages after the second: the guidance never runs them.
LATER_STAGES = dict(
    mit=('layers.2', 'layers.3'),
    convnext=('downsample_layers.2', 'downsample_layers.3', 'stages.2',
              'stages.3'),
    swin=('stages.2', 'stages.3'))
WIDTHS = dict(mit=(16, 16), convnext=(8, 16), swin=(12, 24))


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


@pytest.fixture
def raw_config_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner dumps its config as ``pretty_text`` (yapf, seconds on a
    busy machine); the raw text is enough here."""
    monkeypatch.setattr(Config, 'pretty_text',
                        property(lambda self: self.text))


def config_path(name: str) -> str:
    return str(REPO / 'tests' / 'configs' / CONFIGS[name])


@pytest.mark.parametrize('name', CONFIGS)
def test_trains_one_alternating_round_and_predicts(name, demo_data_root,
                                                   tmp_path, raw_config_text):
    model = Config.fromfile(config_path(name)).model.to_dict()
    drop_pretrained(model)
    cfg = alternating_train_config(
        tmp_path / 'work',
        demo_data_root,
        model,
        num_rounds=1,
        fusion_iters=1,
        seg_iters=1)
    runner = Runner.from_cfg(cfg)
    segmif = runner.model
    assert segmif.fusion_head.guidance_channels == WIDTHS[name]
    before = {k: v.detach().clone() for k, v in segmif.named_parameters()}
    runner.train()
    changed = {
        k.split('.')[0]
        for k, v in segmif.named_parameters() if not torch.equal(v, before[k])
    }
    assert {'fusion_head', 'backbone', 'decode_head'} <= changed

    predictor = init_model(
        config_path(name), cfg_options=dict(data_root=str(demo_data_root)))
    predictor.load_state_dict(segmif.state_dict())
    frame = sorted((demo_data_root / 'test' / 'vi').glob('*.png'))[0]
    result = inference_model(
        predictor,
        ir=str(demo_data_root / 'test' / 'ir' / frame.name),
        vis=str(frame))
    fused = result.pred_fused_img.data
    seg = result.pred_sem_seg.data
    assert fused.shape == (3, 64, 80) and seg.shape == (1, 64, 80)
    assert 0 <= fused.min() and fused.max() <= 1
    assert 0 <= seg.min() and seg.max() < 4


@pytest.mark.parametrize('name', CONFIGS)
def test_flops_of_the_parts(name):
    model = init_model(config_path(name))
    result = TOOL['part_complexity'](model, (45, 61))
    parts = ('guidance', 'fusion', 'segmentation')
    assert all(result[part]['flops'] > 0 for part in parts)
    assert sum(result[part]['flops']
               for part in parts) == result['total']['flops']
    counts = parameter_count(model)
    later = sum(counts[f'backbone.{stage}'] for stage in LATER_STAGES[name])
    assert 0 < result['guidance']['params'] <= counts['backbone'] - later
    table = TOOL['complexity_table']([result], [(45, 61)])
    assert 'GFLOPs 61x45' in table.get_string()


@pytest.mark.parametrize('backbone', ['convnext-t', 'swin-t'])
def test_shipped_fmb_configs(backbone):
    cfg = Config.fromfile(
        str(REPO / 'configs' / 'segmif' /
            f'segmif_{backbone}_upernet_1xb8-alt8r_fmb-360x360.py'))
    assert 'guidance_channels' not in cfg.model.fusion_head
    drop_pretrained(cfg.model)
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
    assert model.fusion_head.guidance_channels == (96, 192)
    with torch.no_grad():
        fused, logits = model(torch.rand(1, 4, 27, 45), mode='tensor')
    assert fused.shape == (1, 3, 27, 45) and logits.shape == (1, 15, 27, 45)


@pytest.mark.parametrize('backbone, checkpoint', [
    ('convnext-t', 'pretrain/convnext-tiny_in1k.pth'),
    ('swin-t', 'pretrain/swin_tiny_patch4_window7_224.pth'),
])
def test_missing_imagenet_weights_are_named(backbone, checkpoint, tmp_path,
                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(
        str(REPO / 'configs' / 'segmif' /
            f'segmif_{backbone}_upernet_1xb8-alt8r_fmb-360x360.py'))
    assert cfg.model.backbone.init_cfg.checkpoint == checkpoint
    backbone = MODELS.build(cfg.model.backbone)
    with pytest.raises(FileNotFoundError, match=checkpoint):
        backbone.init_weights()
