from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmseg.structures import SegDataSample
from segmif_mm.apis import (drop_pretrained, inference_model,
                            inference_pipeline_cfg, init_model)

TINY_CONFIG = Path(__file__).parents[1] / 'configs' / 'segmif_tiny.py'
DEMO_CLASSES = ('background', 'person', 'car', 'traffic sign')


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_model(str(TINY_CONFIG))


def random_pair(size, seed=0):
    rng = np.random.default_rng(seed)
    visible = rng.integers(0, 256, size + (3, ), dtype=np.uint8)  # R, G, B
    infrared = rng.integers(0, 256, size, dtype=np.uint8)
    return visible, infrared


def write_pair(root: Path, name: str, size, seed=0):
    visible, infrared = random_pair(size, seed)
    root.mkdir(parents=True, exist_ok=True)
    vis_path, ir_path = root / f'{name}_vi.png', root / f'{name}_ir.png'
    cv2.imwrite(str(vis_path), cv2.cvtColor(visible, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(ir_path), infrared)
    return str(ir_path), str(vis_path), visible, infrared


def direct_forward(model, visible, infrared):
    """The contract: [1, 4, H, W] (R, G, B, IR) / 255 in tensor mode."""
    rgbt = np.concatenate([visible, infrared[..., None]], axis=2)
    inputs = torch.from_numpy(rgbt).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        return model(inputs, mode='tensor')


def test_init_model_drops_pretrained_and_reads_classes(model):
    assert not model.training
    assert model.cfg.model.backbone.init_cfg is None
    assert model.cfg.model.train_cfg is None
    assert tuple(model.dataset_meta['classes']) == DEMO_CLASSES
    assert len(model.dataset_meta['palette']) == len(DEMO_CLASSES)


def test_generic_classes_without_dataset_or_checkpoint_meta():
    cfg = Config.fromfile(str(TINY_CONFIG))
    cfg.pop('test_dataloader')
    with pytest.warns(UserWarning, match='Neither the checkpoint nor'):
        model = init_model(
            cfg, cfg_options={'model.decode_head.num_classes': 3})
    assert model.dataset_meta['classes'] == ('0', '1', '2')
    assert np.asarray(model.dataset_meta['palette']).shape == (3, 3)


def test_drop_pretrained_only_touches_pretrained_entries():
    cfg = dict(
        pretrained='x.pth',
        backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='a')),
        head=dict(init_cfg=[dict(type='Normal', std=0.01)]),
        necks=[dict(init_cfg=[dict(type='Pretrained', checkpoint='b')])])
    drop_pretrained(cfg)
    assert cfg['pretrained'] is None
    assert cfg['backbone']['init_cfg'] is None
    assert cfg['head']['init_cfg'] == [dict(type='Normal', std=0.01)]
    assert cfg['necks'][0]['init_cfg'] is None


def test_checkpoint_weights_and_dataset_meta(model, tmp_path):
    meta = dict(classes=('w', 'x', 'y', 'z'), palette=[[1, 2, 3]] * 4)
    state = {k: v + 1 for k, v in model.state_dict().items()}
    ckpt = tmp_path / 'model.pth'
    torch.save(dict(state_dict=state, meta=dict(dataset_meta=meta)), ckpt)
    loaded = init_model(Config.fromfile(str(TINY_CONFIG)), str(ckpt))
    assert loaded.dataset_meta == meta
    for key, value in loaded.state_dict().items():
        torch.testing.assert_close(value, state[key])

    state.pop(next(iter(state)))
    torch.save(dict(state_dict=state, meta=dict()), ckpt)
    with pytest.raises(RuntimeError, match='missing keys'):
        init_model(str(TINY_CONFIG), str(ckpt))


def test_inference_matches_tensor_contract_without_labels(model, tmp_path):
    ir_path, vis_path, visible, infrared = write_pair(tmp_path, 'a', (37, 45))
    result = inference_model(model, ir_path, vis_path)
    assert isinstance(result, SegDataSample)
    fused = result.pred_fused_img.data
    assert fused.shape == (3, 37, 45)
    assert fused.min() >= 0 and fused.max() <= 1
    assert result.pred_sem_seg.shape == (37, 45)
    assert result.seg_logits.data.shape == (4, 37, 45)
    expected_fused, expected_logits = direct_forward(model, visible, infrared)
    torch.testing.assert_close(fused, expected_fused[0])
    torch.testing.assert_close(result.seg_logits.data, expected_logits[0])


def test_arrays_and_channel_orders_match_files(model, tmp_path):
    ir_path, vis_path, visible, infrared = write_pair(tmp_path, 'a', (33, 40))
    from_files = inference_model(model, ir_path, vis_path)
    from_bgr = inference_model(model, infrared,
                               np.ascontiguousarray(visible[..., ::-1]))
    from_rgb = inference_model(
        model, infrared, visible, vis_channel_order='rgb')
    for result in (from_bgr, from_rgb):
        torch.testing.assert_close(result.pred_fused_img.data,
                                   from_files.pred_fused_img.data)
    mixed = inference_model(model, infrared, vis_path)
    torch.testing.assert_close(mixed.pred_fused_img.data,
                               from_files.pred_fused_img.data)


def test_grey_visible_gives_grey_fused_image(model):
    visible, infrared = random_pair((32, 36), seed=3)
    result = inference_model(model, infrared, visible[..., 0])
    fused = result.pred_fused_img.data
    torch.testing.assert_close(fused[0], fused[1], atol=1e-5, rtol=0)
    torch.testing.assert_close(fused[0], fused[2], atol=1e-5, rtol=0)


def test_batch_keeps_order_across_sizes(model, tmp_path):
    pairs = [
        write_pair(tmp_path, name, size, seed)
        for seed, (name, size) in enumerate([('a',
                                              (32, 40)), ('b',
                                                          (29,
                                                           35)), ('c', (32,
                                                                        40))])
    ]
    results = inference_model(model, [p[0] for p in pairs],
                              [p[1] for p in pairs])
    assert isinstance(results, list) and len(results) == 3
    for (ir_path, vis_path, _, _), result in zip(pairs, results):
        single = inference_model(model, ir_path, vis_path)
        assert result.img_path == vis_path
        torch.testing.assert_close(result.pred_fused_img.data,
                                   single.pred_fused_img.data)
        torch.testing.assert_close(result.seg_logits.data,
                                   single.seg_logits.data)


def test_bad_inputs_raise(model, tmp_path):
    visible, infrared = random_pair((32, 32))
    with pytest.raises(ValueError, match='same length'):
        inference_model(model, [infrared, infrared], [visible])
    with pytest.raises(ValueError, match='both as single images or both'):
        inference_model(model, infrared, [visible])
    with pytest.raises(ValueError, match=r'ir\[0\] \(array\)'):
        inference_model(model, infrared[:, :30], visible)
    ir_path, _, _, _ = write_pair(tmp_path, 'small', (20, 20))
    _, vis_path, _, _ = write_pair(tmp_path, 'large', (24, 20))
    with pytest.raises(ValueError, match='small_ir.png'):
        inference_model(model, ir_path, vis_path)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inference_model(model, str(tmp_path / 'missing.png'), vis_path)
    with pytest.raises(ValueError, match="'bgr' or 'rgb'"):
        inference_model(model, infrared, visible, vis_channel_order='RGB')


def test_inference_pipeline_drops_annotations_and_checks_loader():
    cfg = Config.fromfile(str(TINY_CONFIG))
    steps = [step['type'] for step in inference_pipeline_cfg(cfg)]
    assert steps == ['LoadMultiModalImages', 'ConcatInfrared', 'PackSegInputs']
    cfg.test_pipeline = [dict(type='LoadImageFromFile')] + cfg.test_pipeline
    with pytest.raises(ValueError, match='LoadMultiModalImages'):
        inference_pipeline_cfg(cfg)
