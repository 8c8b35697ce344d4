import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader, load_from_local

from segmif_mm.apis import (DEFAULT_FUSION_CHECKPOINT, DEFAULT_FUSION_CONFIG,
                            extract_fusion_weights, fuse_pair,
                            fusion_state_keys, init_fusion_model)
from segmif_mm.utils import find_resource

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / 'tests' / 'configs' / 'segmif_tiny.py'


def write_pair(root: Path, shape=(37, 53)):
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    ir = rng.integers(0, 65536, shape, dtype=np.uint16)  # 16-bit infrared
    vis = rng.integers(0, 256, shape, dtype=np.uint8)  # grey visible
    cv2.imwrite(str(root / 'ir.png'), ir)
    cv2.imwrite(str(root / 'vis.png'), vis)
    return str(root / 'ir.png'), str(root / 'vis.png')


@pytest.mark.parametrize('config,stages',
                         [('segmif_swin_tiny.py', 'stages'),
                          ('segmif_convnext_tiny.py', 'stages')])
def test_fusion_keys_follow_any_backbones_guidance_stages(config, stages):
    """The weights of the stages the guidance pass runs, and no others."""
    model = init_fusion_model(str(REPO / 'tests' / 'configs' / config))
    keys = fusion_state_keys(model)
    used = {
        k.split('.')[2]
        for k in keys if k.startswith(f'backbone.{stages}.')
    }
    assert used == {'0', '1'}
    assert not any(
        k.startswith(('decode_head.', 'auxiliary_head.')) for k in keys)
    torch.manual_seed(1)
    rgb = torch.rand(1, 3, 64, 64)
    expected = model.guidance_features(rgb)
    other = init_fusion_model(str(REPO / 'tests' / 'configs' / config))
    state = model.state_dict()
    other.load_state_dict({k: state[k] for k in keys}, strict=False)
    for feat, ref in zip(other.guidance_features(rgb), expected):
        torch.testing.assert_close(feat, ref)


def test_extracted_weights_reproduce_the_fusion(tmp_path):
    torch.manual_seed(0)
    model = init_fusion_model(str(TINY))
    keys = fusion_state_keys(model)
    assert any(k.startswith('fusion_head.') for k in keys)
    assert {k.split('.')[2]
            for k in keys
            if k.startswith('backbone.')} == {'0',
                                              '1'}  # the guidance stages only
    assert not any(k.startswith('decode_head.') for k in keys)
    weights = extract_fusion_weights(model)
    assert all(v.dtype == torch.float16 for v in weights.values()
               if v.is_floating_point())
    path = tmp_path / 'fusion.pth'
    torch.save(dict(state_dict=weights, meta=dict(note='test')), path)
    torch.manual_seed(1)  # different random init
    loaded = init_fusion_model(str(TINY), str(path))
    ir, vis = write_pair(tmp_path)
    expected = fuse_pair(model.half().float(), ir, vis)
    fused = fuse_pair(loaded, ir, vis)
    assert fused.shape == (37, 53, 3) and fused.dtype == np.uint8
    # grey visible: the fused image is grey too (Cb = Cr = 0.5 up to float32
    # rounding, so a channel may round to the neighbouring 8-bit level)
    channels = fused.astype(int)
    assert np.abs(channels[..., 0] - channels[..., 1]).max() <= 1
    assert np.abs(channels[..., 1] - channels[..., 2]).max() <= 1
    assert np.abs(fused.astype(int) - expected).max() <= 1


@pytest.fixture
def untrusted_checkpoints(monkeypatch):
    """mmengine's own loader for local files (torch's ``weights_only``), as
    in a process that has not opted in (this suite has, see conftest)."""
    monkeypatch.setitem(CheckpointLoader._schemes, '', load_from_local)


def test_checkpoint_checks(tmp_path, untrusted_checkpoints):
    model = init_fusion_model(str(TINY))
    weights = extract_fusion_weights(model)
    weights.pop(next(k for k in weights if k.startswith('fusion_head.')))
    torch.save(dict(state_dict=weights), tmp_path / 'partial.pth')
    with pytest.raises(KeyError, match='lacks 1 fusion weights'):
        init_fusion_model(str(TINY), str(tmp_path / 'partial.pth'))
    torch.save(
        dict(state_dict=model.state_dict(), meta=dict(path=Path('x'))),
        tmp_path / 'full.pth')
    with pytest.raises(pickle.UnpicklingError, match='trust_checkpoint'):
        init_fusion_model(str(TINY), str(tmp_path / 'full.pth'))
    init_fusion_model(
        str(TINY), str(tmp_path / 'full.pth'), trust_checkpoint=True)


def test_mmengine_loading_equals_the_former_manual_filtering(tmp_path):
    """load_fusion_weights (mmengine's load_checkpoint) gives the state the
    hand-written key filtering and dtype casts gave."""
    torch.manual_seed(0)
    weights = extract_fusion_weights(init_fusion_model(str(TINY)))
    torch.save(dict(state_dict=weights), tmp_path / 'fusion.pth')
    torch.manual_seed(1)
    loaded = init_fusion_model(str(TINY), str(tmp_path / 'fusion.pth'))
    torch.manual_seed(1)
    manual = init_fusion_model(str(TINY))
    own = manual.state_dict()
    manual.load_state_dict(
        {
            k: v.to(own[k].dtype)
            for k, v in weights.items() if k in own
        },
        strict=False)
    expected = manual.state_dict()
    for key, value in loaded.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_shipped_weights_in_any_segmif_config_same_image_or_named_error(
        tmp_path):
    """Loading the shipped weights into a SegMiF config either computes the
    shipped fused image exactly or stops with a named error."""
    checkpoint = find_resource(DEFAULT_FUSION_CHECKPOINT)
    assert checkpoint.stat().st_size <= 10 * 2**20
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    assert state['meta']['config'] == DEFAULT_FUSION_CONFIG
    assert state['meta']['fusion_function'] is not None
    ir, vis = write_pair(tmp_path, shape=(41, 67))
    shipped = fuse_pair(init_fusion_model(), ir, vis)
    assert shipped.shape == (41, 67, 3)
    outcomes = {}
    configs = sorted((REPO / 'configs').glob('segmif*.py')) + sorted(
        (REPO / 'configs' / 'segmif').glob('*.py'))
    for config in configs:
        try:
            model = init_fusion_model(str(config), checkpoint)
        except ValueError as error:
            assert 'differ in' in str(error) and 'model.' in str(error)
            outcomes[config.name] = 'refused'
            continue
        np.testing.assert_array_equal(fuse_pair(model, ir, vis), shipped)
        outcomes[config.name] = 'same'
    # the paper's MiT-B3 configs share the shipped HIA form
    assert outcomes['segmif_mit-b3_1xb8-alt8r_fmb-360x360.py'] == 'same'
    assert outcomes['segmif_fmb.py'] == 'same'
    assert outcomes['segmif_swin-t_upernet_1xb8-alt8r_fmb-360x360.py'] == \
        'refused'
