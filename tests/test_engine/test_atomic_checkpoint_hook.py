"""AtomicCheckpointHook: a save that dies half-way never costs the resume
point (mmengine's CheckpointHook, shown for contrast, loses it)."""
import copy
from pathlib import Path

import pytest
import torch
from mmengine.fileio import LocalBackend
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from training_helpers import alternating_train_config

SCHEDULE = dict(num_rounds=1, fusion_iters=2, seg_iters=4)


class Killed(Exception):
    """Stands for the SIGKILL of tests/test_engine/test_kill_resume.py."""


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


@pytest.fixture
def die_in_second_save(monkeypatch):
    """The second checkpoint write stops half-way."""
    original = LocalBackend.put
    calls = []

    def put(self, obj, filepath):
        if not str(filepath).endswith('.pth'):
            return original(self, obj, filepath)
        calls.append(filepath)
        if len(calls) < 2:
            return original(self, obj, filepath)
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
        raise Killed

    monkeypatch.setattr(LocalBackend, 'put', put)
    return monkeypatch


def runner(work_dir: Path,
           data_root: Path,
           model: dict,
           hook: str,
           resume: bool = False) -> Runner:
    cfg = alternating_train_config(
        work_dir,
        data_root,
        copy.deepcopy(model),
        checkpoint_interval=2,
        **SCHEDULE)
    cfg.default_hooks.checkpoint.update(type=hook, max_keep_ckpts=1)
    cfg.resume = resume
    return Runner.from_cfg(cfg)


def latest(work_dir: Path) -> Path:
    return Path((work_dir / 'last_checkpoint').read_text().strip())


def test_mmengine_hook_loses_the_resume_point(tmp_path, demo_data_root,
                                              tiny_segmif_cfg,
                                              die_in_second_save):
    with pytest.raises(Killed):
        runner(tmp_path, demo_data_root, tiny_segmif_cfg,
               'CheckpointHook').train()
    # iter_2 was deleted before iter_4 was written; iter_4 is half a file
    assert latest(tmp_path) == tmp_path / 'iter_2.pth'
    assert not latest(tmp_path).exists()
    assert (tmp_path / 'iter_4.pth').exists()
    with pytest.raises(Exception):
        torch.load(tmp_path / 'iter_4.pth', weights_only=False)


def test_atomic_hook_keeps_the_resume_point(tmp_path, demo_data_root,
                                            tiny_segmif_cfg,
                                            die_in_second_save):
    with pytest.raises(Killed):
        runner(tmp_path, demo_data_root, tiny_segmif_cfg,
               'AtomicCheckpointHook').train()
    assert latest(tmp_path) == tmp_path / 'iter_2.pth'
    assert torch.load(
        latest(tmp_path), weights_only=False)['meta']['iter'] == 2
    assert not (tmp_path / 'iter_4.pth').exists()
    # an exception cleans up; a SIGKILL leaves the temporary file, which the
    # next start removes (as this one, standing for it)
    assert not list(tmp_path.glob('.*tmp*'))
    leftover = tmp_path / '.iter_4.x1y2.tmp.pth'
    leftover.write_bytes(b'half')

    die_in_second_save.undo()
    resumed = runner(
        tmp_path,
        demo_data_root,
        tiny_segmif_cfg,
        'AtomicCheckpointHook',
        resume=True)
    resumed.train()
    assert resumed.iter == 6
    assert not leftover.exists()
    assert sorted(
        p.name for p in tmp_path.iterdir()
        if p.suffix == '.pth' or p.name.startswith('.')) == ['iter_6.pth']
    assert latest(tmp_path) == tmp_path / 'iter_6.pth'
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path /
                                                             'iter_6.pth')


def test_every_rank_calls_save_checkpoint(tmp_path, demo_data_root,
                                          tiny_segmif_cfg, monkeypatch):
    """As mmengine's hook does (sharded strategies gather on every rank);
    a rank other than the main one deletes nothing."""
    monkeypatch.setattr('mmengine.hooks.checkpoint_hook.is_main_process',
                        lambda: False)
    monkeypatch.setattr(
        'segmif_mm.engine.hooks.atomic_checkpoint_hook.is_main_process',
        lambda: False)
    train = runner(tmp_path, demo_data_root, tiny_segmif_cfg,
                   'AtomicCheckpointHook')
    saved = []
    original = train.save_checkpoint

    def save_checkpoint(out_dir, filename, *args, **kwargs):
        saved.append(filename)
        return original(out_dir, filename, *args, **kwargs)

    monkeypatch.setattr(train, 'save_checkpoint', save_checkpoint)
    train.train()
    assert saved == ['iter_2.pth', 'iter_4.pth', 'iter_6.pth']
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == saved
    assert train.message_hub.get_info('kept_checkpoints') == [
        str(tmp_path / 'iter_6.pth')
    ]


@pytest.mark.parametrize('kept', [0, 15])
def test_torn_last_checkpoint_is_repaired_before_resume(
        tmp_path, demo_data_root, tiny_segmif_cfg, kept):
    """A kill while mmengine rewrites last_checkpoint in place leaves it
    empty or cut; the resume still starts from the newest checkpoint."""
    cfg_args = (tmp_path, demo_data_root, tiny_segmif_cfg,
                'AtomicCheckpointHook')
    runner(*cfg_args).train()
    torn = str(tmp_path / 'iter_6.pth')[:kept]
    (tmp_path / 'last_checkpoint').write_text(torn)
    resumed = runner(*cfg_args, resume=True)
    resumed.train()
    assert resumed.iter == 6
    assert latest(tmp_path) == tmp_path / 'iter_6.pth'
    assert not list(tmp_path.glob('.*tmp*'))
