"""`--amp`: the optimizer-wrapper config switch."""
import pytest
from mmengine.config import ConfigDict

from segmif_mm.engine.optimizers import amp
from segmif_mm.engine.optimizers.amp import enable_amp


def segmif_wrappers() -> ConfigDict:
    return ConfigDict(
        constructor='SegMiFOptimWrapperConstructor',
        fusion=dict(type='OptimWrapper', optimizer=dict(type='Adam')),
        seg=dict(optimizer=dict(type='AdamW'), clip_grad=None))


@pytest.fixture
def on_gpu(monkeypatch):
    monkeypatch.setattr(amp, 'get_device', lambda: 'cuda')


def test_per_task_wrappers_each_get_a_loss_scaler(on_gpu):
    cfg = segmif_wrappers()
    enable_amp(cfg)
    for task in ('fusion', 'seg'):
        assert cfg[task]['type'] == 'AmpOptimWrapper'
        assert cfg[task]['loss_scale'] == 'dynamic'
    assert cfg.constructor == 'SegMiFOptimWrapperConstructor'


def test_single_wrapper_and_already_enabled(on_gpu):
    cfg = ConfigDict(type='OptimWrapper', optimizer=dict(type='SGD'))
    enable_amp(cfg)
    assert cfg.type == 'AmpOptimWrapper'
    cfg.loss_scale = 512.0
    enable_amp(cfg)  # only warns
    assert cfg.type == 'AmpOptimWrapper' and cfg.loss_scale == 512.0


def test_bad_configs(on_gpu):
    with pytest.raises(ValueError, match='no optimizer-wrapper config'):
        enable_amp(ConfigDict(constructor='SegMiFOptimWrapperConstructor'))
    with pytest.raises(ValueError, match='ApexOptimWrapper'):
        enable_amp(
            ConfigDict(type='ApexOptimWrapper', optimizer=dict(type='SGD')))


def test_cpu_only_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(amp, 'get_device', lambda: 'cpu')
    with pytest.raises(RuntimeError, match='needs a GPU'):
        enable_amp(segmif_wrappers())
