"""The README's drop-in lines on stock MMSeg 1.2.2 configs.

Each stock config (SegFormer MiT-B0, PSPNet R50-D8, UPerNet ConvNeXt-T) gets
exactly the README's lines (read from README.md), is loaded with
``Config.fromfile`` and trains one iteration and validates through
``Runner.from_cfg``, as MMSeg's ``tools/train.py`` does. Only what a CPU test
needs is changed afterwards: the demo data instead of FMB (folders, 4
classes), small crops (64 x 64), no pretrained downloads, plain
``OptimWrapper`` instead of AMP, one iteration. The networks keep their
stock depths and widths.
"""
import math
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

REPO = Path(__file__).parents[1]
STOCK = dict(
    segformer='segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py',
    pspnet='pspnet/pspnet_r50-d8_4xb2-40k_cityscapes-512x1024.py',
    convnext='convnext/convnext-tiny_upernet_8xb2-amp-160k_ade20k-512x512.py')
CROP = (64, 64)


def readme_blocks() -> list:
    """The python blocks of the README's drop-in section."""
    text = (REPO / 'README.md').read_text()
    section = text.split('## Using the components in your own MMSeg '
                         'config')[1].split('\n## ')[0]
    return re.findall(r'```python\n(.*?)```', section, flags=re.S)


def drop_in_config(name: str, tmp_path: Path) -> Config:
    """The stock config plus the README's lines."""
    lines, mmpretrain_import = readme_blocks()[:2]
    assert 'MultiModalDataPreProcessor' in lines
    assert '_delete_' not in lines
    if name == 'convnext':
        lines = lines.replace(
            "custom_imports = dict(imports=['segmif_mm'], "
            'allow_failed_imports=False)', mmpretrain_import)
        assert 'mmpretrain_models' in lines
    if name != 'segformer':  # the README's line for auxiliary heads
        lines += 'model.update(auxiliary_head=dict(num_classes=15))\n'
    path = tmp_path / f'{name}_rgbt.py'
    path.write_text(f"_base_ = ['mmseg::{STOCK[name]}']\n" + lines)
    return Config.fromfile(str(path))


def for_cpu_test(cfg: Config, data_root: Path, work_dir: Path) -> None:
    """Demo data, small crops, no downloads, one CPU iteration."""
    for split, loader in (('train', cfg.train_dataloader),
                          ('test', cfg.val_dataloader)):
        loader.update(num_workers=0, persistent_workers=False)
        loader.dataset.update(
            type='SegMiFDemoDataset',
            data_root=str(data_root),
            data_prefix=dict(
                img_path=f'{split}/vi',
                ir_path=f'{split}/ir',
                seg_map_path=f'{split}/labels'))
    cfg.test_dataloader = cfg.val_dataloader
    for transform in cfg.train_dataloader.dataset.pipeline:
        if transform.type == 'RandomResize':
            transform.scale = (80, 64)
        elif transform.type == 'RandomCrop':
            transform.crop_size = CROP
    model = cfg.model
    model.data_preprocessor.size = CROP
    model.pretrained = None
    model.backbone.init_cfg = None
    for head in (model.decode_head, model.get('auxiliary_head')):
        if head:
            head.num_classes = 4
    if model.test_cfg.mode == 'slide':
        model.test_cfg.update(crop_size=CROP, stride=(48, 48))
    cfg.optim_wrapper.type = 'OptimWrapper'  # AMP needs a GPU
    cfg.optim_wrapper.pop('loss_scale', None)
    cfg.train_cfg.update(max_iters=1, val_interval=1)
    cfg.default_hooks.checkpoint.interval = 1000
    cfg.default_hooks.logger.interval = 1
    cfg.param_scheduler = []
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=0)


@pytest.mark.parametrize('name', STOCK)
def test_readme_lines_train_a_stock_config(name, demo_data_root, tmp_path,
                                           monkeypatch):
    # The runner dumps its config as yapf-formatted pretty_text (seconds).
    monkeypatch.setattr(Config, 'pretty_text',
                        property(lambda self: self.text))
    cfg = drop_in_config(name, tmp_path)
    preprocessor = cfg.model.data_preprocessor
    assert preprocessor.type == 'MultiModalDataPreProcessor'
    assert len(preprocessor.mean) == 3 and preprocessor.bgr_to_rgb
    for_cpu_test(cfg, demo_data_root, tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()

    model = runner.model
    assert model.data_preprocessor.mean.numel() == 4
    torch.testing.assert_close(model.data_preprocessor.mean[3].item(), 114.495)
    first_conv = next(module for module in model.backbone.modules()
                      if isinstance(module, torch.nn.Conv2d))
    assert first_conv.in_channels == 4
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and loss > 0
    assert 0 <= runner.message_hub.get_scalar('val/mIoU').current() <= 100
