"""The multi-modal data path drops into an unmodified MMSeg training setup.

A stock ``EncoderDecoder`` (tiny MiT with ``in_channels=4`` + SegformerHead)
trains for a few iterations on the generated demo data through mmengine's
``Runner`` using ``configs/_base_/datasets/segmif_demo.py``, validates with
mmseg's ``IoUMetric``, saves a checkpoint, and the checkpoint loads back
through mmengine (``segmif_mm`` makes that work under torch >= 2.6).
"""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint

import segmif_mm  # noqa: F401
from tools.misc.make_demo_data import generate_demo_dataset

REPO = Path(__file__).parents[1]


def build_config(data_root: Path, work_dir: Path) -> Config:
    cfg = Config.fromfile(
        str(REPO / 'configs' / '_base_' / 'datasets' / 'segmif_demo.py'))
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        loader.update(num_workers=0, persistent_workers=False)
        loader.dataset.data_root = str(data_root)
    cfg.train_dataloader.batch_size = 2
    norm_cfg = dict(type='BN', requires_grad=True)
    cfg.merge_from_dict(
        dict(
            default_scope='mmseg',
            custom_imports=dict(imports=['segmif_mm']),
            work_dir=str(work_dir),
            model=dict(
                type='EncoderDecoder',
                data_preprocessor=dict(
                    type='MultiModalDataPreProcessor', size=cfg.crop_size),
                backbone=dict(
                    type='MixVisionTransformer',
                    in_channels=4,
                    embed_dims=16,
                    num_stages=4,
                    num_layers=[1, 1, 1, 1],
                    num_heads=[1, 2, 4, 8],
                    patch_sizes=[7, 3, 3, 3],
                    sr_ratios=[8, 4, 2, 1],
                    out_indices=(0, 1, 2, 3),
                    mlp_ratio=4,
                    qkv_bias=True,
                    drop_rate=0.0,
                    attn_drop_rate=0.0,
                    drop_path_rate=0.0),
                decode_head=dict(
                    type='SegformerHead',
                    in_channels=[16, 32, 64, 128],
                    in_index=[0, 1, 2, 3],
                    channels=32,
                    dropout_ratio=0.1,
                    num_classes=4,
                    norm_cfg=norm_cfg,
                    align_corners=False,
                    loss_decode=dict(
                        type='CrossEntropyLoss',
                        use_sigmoid=False,
                        loss_weight=1.0)),
                train_cfg=dict(),
                test_cfg=dict(mode='whole')),
            optim_wrapper=dict(
                type='OptimWrapper',
                optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01)),
            train_cfg=dict(
                type='IterBasedTrainLoop', max_iters=3, val_interval=3),
            val_cfg=dict(type='ValLoop'),
            test_cfg=dict(type='TestLoop'),
            default_hooks=dict(
                timer=dict(type='IterTimerHook'),
                logger=dict(type='LoggerHook', interval=1),
                param_scheduler=dict(type='ParamSchedulerHook'),
                checkpoint=dict(
                    type='CheckpointHook', by_epoch=False, interval=3),
                sampler_seed=dict(type='DistSamplerSeedHook')),
            log_processor=dict(by_epoch=False),
            randomness=dict(seed=0),
            env_cfg=dict(dist_cfg=dict(backend='gloo'))))
    # The base's SegMiF metrics need a fused image: mmseg's own metric.
    cfg.val_evaluator = cfg.test_evaluator = dict(
        type='IoUMetric', iou_metrics=['mIoU'])
    return cfg


def independent_miou(model, dataloader, num_classes: int) -> float:
    """mIoU (%) of ``model`` over ``dataloader``, from its predictions:
    per-class intersection over union summed over the images, classes
    absent from both left out, ignore label 255."""
    intersect = np.zeros(num_classes)
    union = np.zeros(num_classes)
    for batch in dataloader:
        with torch.no_grad():
            predictions = model.test_step(batch)
        for sample in predictions:
            assert sample.pred_sem_seg.data.shape == (1, 128, 160)
            assert sample.seg_logits.data.shape == (num_classes, 128, 160)
            assert sample.ir_path.endswith('.png')
            pred = sample.pred_sem_seg.data[0].numpy()
            gt = sample.gt_sem_seg.data[0].numpy()
            valid = gt != 255
            for index in range(num_classes):
                is_pred = (pred == index) & valid
                is_gt = gt == index
                intersect[index] += (is_pred & is_gt).sum()
                union[index] += (is_pred | is_gt).sum()
    present = union > 0
    return float(np.mean(intersect[present] / union[present]) * 100)


def test_stock_encoder_decoder_trains_saves_and_reloads(tmp_path):
    data_root = tmp_path / 'segmif_demo'
    generate_demo_dataset(str(data_root), num_train=4, num_test=2)
    runner = Runner.from_cfg(build_config(data_root, tmp_path / 'work'))
    runner.train()

    checkpoint = tmp_path / 'work' / 'iter_3.pth'
    assert checkpoint.is_file()
    val_miou = runner.message_hub.get_scalar('val/mIoU').current()

    trained = runner.model.state_dict()
    for param in runner.model.parameters():
        param.data.zero_()
    loaded = load_checkpoint(runner.model, str(checkpoint), map_location='cpu')
    assert loaded['meta']['iter'] == 3
    for key, value in runner.model.state_dict().items():
        torch.testing.assert_close(value, trained[key])

    # Validation ran on the test images with the weights of the checkpoint;
    # IoUMetric rounds to 2 decimals.
    runner.model.eval()
    expected = independent_miou(runner.model, runner.test_dataloader, 4)
    assert val_miou == pytest.approx(expected, abs=0.006)
    assert runner.test()['mIoU'] == pytest.approx(expected, abs=0.006)
