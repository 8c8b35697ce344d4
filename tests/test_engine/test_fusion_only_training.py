"""Label-free training: FusionPairDataset + the 'fusion_only' phase."""
import uuid
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.runner import Runner

REPO = Path(__file__).resolve().parents[2]
LEAF = REPO / 'configs' / 'segmif' / (
    'segmif_mit-b3_1xb4-fusion-only-400_roadscene-64x64.py')
SCHEDULES = REPO / 'configs' / '_base_' / 'schedules'


def test_leaf_config_is_label_free_and_uses_the_split():
    cfg = Config.fromfile(str(LEAF))
    assert [p['phase'] for p in cfg.train_cfg.phases] == ['fusion_only']
    train, val = cfg.train_dataloader.dataset, cfg.val_dataloader.dataset
    assert train.type == val.type == 'FusionPairDataset'
    assert train.indices == 180 and val.indices == list(range(180, 221))
    assert not any('Annotations' in t['type'] for t in train.pipeline)
    assert cfg.model.fusion_loss.eta == 100.0
    assert cfg.model.fusion_loss.pixel_cfg.weight_rule == 'ma'


def test_round_one_option_and_warmup_shapes():
    r1 = Config.fromfile(str(SCHEDULES / 'segmif_alt8r-fusion-only-r1.py'))
    phases = {p['phase']: p['iters'] for p in r1.train_cfg.phases}
    assert phases['fusion_only'][0] > 0 and phases['fusion'][0] == 0
    assert all(n == 0 for n in phases['fusion_only'][1:])
    default = Config.fromfile(str(SCHEDULES / 'segmif_alt8r.py'))
    assert default.param_scheduler.seg[0]['type'] == 'LinearLR'
    assert default.param_scheduler.seg[0]['start_factor'] == 1e-6
    hold = Config.fromfile(str(SCHEDULES / 'segmif_alt8r-constant-warmup.py'))
    assert hold.param_scheduler.seg[0]['type'] == 'ConstantLR'
    assert hold.param_scheduler.seg[1]['begin'] == 3000


def test_tiny_fusion_only_run_on_real_pairs(tmp_path, real_data,
                                            tiny_segmif_cfg):
    """Two iterations on RoadScene crops: no labels are read, only the
    fusion head changes, and the checkpoint's fusion head is saved."""
    cfg = Config.fromfile(str(LEAF))
    cfg.model = Config(dict(model=tiny_segmif_cfg)).model
    cfg.model.data_preprocessor.size = (32, 32)
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_dataloader.dataset.data_root = str(real_data / 'roadscene')
    cfg.train_dataloader.dataset.indices = 4
    for transform in cfg.train_dataloader.dataset.pipeline:
        if transform.type == 'RandomCrop':
            transform.crop_size = (32, 32)
    cfg.train_cfg.phases = [dict(phase='fusion_only', iters=2)]
    cfg.train_cfg.val_interval = 10**6
    cfg.param_scheduler.fusion[0].end = 2
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [dict(type='ContextEntropyHook', interval=1)]
    cfg.work_dir = str(tmp_path)
    # Its own message hub: one named by the second would keep an earlier
    # run's decode losses, which the last check must not see.
    cfg.experiment_name = f'fusion_only_{uuid.uuid4().hex[:8]}'
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    before, after = (
        torch.load(
            tmp_path / f'iter_{i}.pth', map_location='cpu',
            weights_only=False)['state_dict'] for i in (1, 2))
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith('fusion_head.') for k in changed)
    scalars = runner.message_hub.log_scalars
    assert 'train/fusion.loss_grad' in scalars
    assert any(k.startswith('train/entropy/') for k in scalars)
    assert not any('decode' in k for k in scalars)
