"""Every config under projects/ builds and trains two iterations on CPU.

The real-dataset configs (FMB, MFNet) are pointed at a tiny copy of the demo
data (dataset type, folders, classes, resize and crop sizes) and their
MiT-B3 / fusion head are shrunk; everything else (model type, pipeline
transforms, optimizer constructor, loop, hooks) is the config's own.
"""
import copy
import math
import os
import uuid
from pathlib import Path

import pytest
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner

from segmif_mm.apis import drop_pretrained

REPO = Path(__file__).resolve().parents[2]
PROJECTS = REPO / 'projects'
CONFIGS = sorted(PROJECTS.glob('*/configs/*.py'))
HIA_VARIANTS = REPO / 'configs' / '_base_' / 'models' / 'hia_variants'
MAIN_CONFIGS = REPO / 'configs' / 'segmif'
CROP = (64, 64)
TINY_BACKBONE = dict(
    embed_dims=16,
    num_layers=[1, 1, 1, 1],
    num_heads=[1, 2, 4, 8],
    drop_path_rate=0.0)
FUSION_CHANNELS = 16


def config_id(path: Path) -> str:
    return str(path.relative_to(PROJECTS))


def demo_dataset(dataset: ConfigDict, data_root: Path, split: str) -> None:
    """Point a dataset config at the demo data, keeping its pipeline."""
    dataset.update(data_root=str(data_root), ann_file='')
    if dataset.type == 'FusedImageDataset':
        # The visible demo images stand in for fused RGB images.
        dataset.source = 'SegMiFDemoDataset'
        dataset.data_prefix = dict(
            img_path=f'{split}/vi', seg_map_path=f'{split}/labels')
    else:
        dataset.type = 'SegMiFDemoDataset'
        dataset.data_prefix = dict(
            img_path=f'{split}/vi',
            ir_path=f'{split}/ir',
            seg_map_path=f'{split}/labels')
    for transform in dataset.pipeline:
        if transform.type == 'RandomResize':
            transform.scale = (80, 64)
        elif transform.type == 'RandomCrop':
            transform.crop_size = CROP


def shrink_model(model: ConfigDict) -> None:
    """Tiny MiT and fusion head, 4 demo classes, no pretrained weights."""
    drop_pretrained(model)
    model.data_preprocessor.size = CROP
    model.backbone.update(TINY_BACKBONE)
    model.decode_head.update(
        in_channels=[16, 32, 64, 128], channels=16, num_classes=4)
    fusion_head = model.get('fusion_head')
    if fusion_head is not None:
        fusion_head.update(
            channels=FUSION_CHANNELS,
            growth=4,
            dilations=(2, 2),
            guidance_channels=(16, 32))
        for hia_cfg in fusion_head.hia_cfgs:
            if 'channels' in hia_cfg:
                hia_cfg.channels = FUSION_CHANNELS


def two_iteration_config(config: Path, data_root: Path,
                         work_dir: Path) -> Config:
    """The project config, adapted to two CPU iterations on demo data."""
    cfg = Config.fromfile(str(config))
    shrink_model(cfg.model)
    demo_dataset(cfg.train_dataloader.dataset, data_root, 'train')
    cfg.train_dataloader.update(
        batch_size=1, num_workers=0, persistent_workers=False)
    if cfg.train_cfg.type == 'AlternatingTrainLoop':
        cfg.train_cfg.update(
            num_rounds=1,
            val_before_train=False,
            phases=[dict(phase='fusion', iters=1),
                    dict(phase='seg', iters=1)])
    else:
        cfg.train_cfg.update(max_iters=2, val_interval=1000)
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'] = None
        cfg[f'{split}_cfg'] = None
        cfg[f'{split}_evaluator'] = None
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'{config.stem}_{uuid.uuid4().hex[:8]}'
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=0)
    return cfg


def test_every_project_has_configs():
    projects = {path.parent.parent.name for path in CONFIGS}
    assert projects == {
        'single_modality', 'fusion_then_segment', 'hia_ablation'
    }
    for name in projects:
        readme = (PROJECTS / name / 'README.md').read_text()
        for heading in ('## Description', '## Usage', '## Results',
                        '## Citation'):
            assert heading in readme, f'{name}/README.md lacks {heading}'
        for config in PROJECTS.glob(f'{name}/configs/*.py'):
            assert config.name in readme, \
                f'{name}/README.md does not mention {config.name}'


@pytest.fixture
def raw_config_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner logs and dumps its config as ``pretty_text``, which
    formats it with yapf (1-2 s per call on a busy 2-core machine, four
    calls per runner); the raw text is enough for these tests."""
    monkeypatch.setattr(Config, 'pretty_text',
                        property(lambda self: self.text))


@pytest.mark.parametrize('config', CONFIGS, ids=config_id)
def test_config_trains_two_iterations(config: Path, demo_data_root: Path,
                                      tmp_path: Path, raw_config_text):
    cfg = two_iteration_config(config, demo_data_root, tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss)


@pytest.mark.parametrize(
    'config',
    sorted(PROJECTS.glob('hia_ablation/configs/*_hia-*.py')),
    ids=config_id)
def test_hia_configs_match_variants_and_main_config(config: Path):
    """A Table 3 config = SegMiF's main config of its dataset with the fusion
    head of the corresponding model-side variant; nothing else differs."""
    variant_name, dataset = config.stem.split('_')[2], config.stem.split(
        '_')[4].split('-')[0]
    project = Config.fromfile(str(config))
    variant = Config.fromfile(
        str(HIA_VARIANTS / f'segmif_mit-b3_{variant_name}.py'))
    main = Config.fromfile(
        str(MAIN_CONFIGS / f'segmif_mit-b3_1xb8-alt8r_{dataset}-360x360.py'))
    assert project.model.fusion_head == variant.model.fusion_head
    expected = copy.deepcopy(main.to_dict())
    expected['model']['fusion_head'] = variant.model.fusion_head.to_dict()
    actual = project.to_dict()
    actual.pop('hia_cfg')
    expected.pop('hia_cfg', None)
    assert actual == expected


@pytest.mark.parametrize('dataset', ['fmb', 'mfnet'])
def test_weighting_configs_differ_from_main_config_only_in_weighting(
        dataset: str):
    main = Config.fromfile(
        str(MAIN_CONFIGS /
            f'segmif_mit-b3_1xb8-alt8r_{dataset}-360x360.py')).to_dict()
    configs = {
        name:
        Config.fromfile(
            str(PROJECTS / 'hia_ablation' / 'configs' /
                f'segmif_mit-b3_1xb8-alt8r-{name}_{dataset}-360x360.py'))
        for name in ('fixed', 'dwa', 'uncertainty')
    }
    assert configs['fixed'].custom_hooks == []
    [dwa_hook] = configs['dwa'].custom_hooks
    assert dwa_hook.type == 'DynamicTaskWeightHook'
    assert dwa_hook.temperature == 2.0
    assert dict(dwa_hook.etas) == dict(fusion=2.0, seg=2.0)  # eta_i = K
    uncertainty = configs['uncertainty']
    assert uncertainty.custom_hooks == []
    assert uncertainty.model.type == 'SegMiFUncertaintyWeighting'
    for name, cfg in configs.items():
        cfg = cfg.to_dict()
        for key in ('custom_hooks', 'custom_imports'):
            cfg.pop(key, None)
        expected = copy.deepcopy(main)
        expected.pop('custom_hooks')
        expected.pop('custom_imports')
        if name == 'uncertainty':
            assert cfg['model'].pop('task_weighting')
            cfg['model']['type'] = expected['model']['type']
        assert cfg == expected, name


@pytest.mark.parametrize('name', ['fmb', 'mfnet', 'segmif_demo'])
def test_fused_root_default_and_absolute(name, monkeypatch, tmp_path):
    """Image folders are read under data_root unless absolute: the default
    fused folder must still be work_dirs/fused/<name> of the working
    directory, and FUSED_ROOT may be absolute."""
    config = (
        PROJECTS / 'fusion_then_segment' / 'configs' / '_base_' / 'datasets' /
        f'fused_{name}.py')
    monkeypatch.delenv('FUSED_ROOT', raising=False)
    dataset = Config.fromfile(str(config)).train_dataloader.dataset
    folder = os.path.join(dataset.data_root, dataset.data_prefix.img_path)
    assert os.path.normpath(folder) == os.path.join('work_dirs', 'fused', name,
                                                    'train')
    monkeypatch.setenv('FUSED_ROOT', str(tmp_path))
    dataset = Config.fromfile(str(config)).train_dataloader.dataset
    assert os.path.join(dataset.data_root, dataset.data_prefix.img_path) == \
        str(tmp_path / 'train')
