import pytest
import torch
from mmengine.structures import PixelData

import segmif_mm  # noqa: F401
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from segmif_mm.models import MultiModalDataPreProcessor


def make_batch(shapes, channels=4):
    torch.manual_seed(0)
    inputs, samples = [], []
    for index, (h, w) in enumerate(shapes):
        inputs.append(
            torch.randint(0, 256, (channels, h, w), dtype=torch.uint8))
        sample = SegDataSample(metainfo=dict(img_path=f'frame{index}.png'))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 5, (1, h, w), dtype=torch.int64))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_training_scales_and_pads():
    preprocessor = MODELS.build(
        dict(type='MultiModalDataPreProcessor', size=(40, 48)))
    assert isinstance(preprocessor, MultiModalDataPreProcessor)
    data = make_batch([(30, 33), (40, 48)])
    raw = [x.clone() for x in data['inputs']]
    out = preprocessor(data, training=True)
    inputs = out['inputs']
    assert inputs.dtype == torch.float32 and inputs.shape == (2, 4, 40, 48)
    torch.testing.assert_close(inputs[0, :, :30, :33], raw[0].float() / 255)
    torch.testing.assert_close(inputs[1], raw[1].float() / 255)
    assert (inputs[0, :, 30:] == 0).all() and (inputs[0, :, :, 33:] == 0).all()
    gt = out['data_samples'][0].gt_sem_seg.data
    assert gt.shape == (1, 40, 48)
    assert (gt[:, 30:] == 255).all() and (gt[:, :, 33:] == 255).all()


def test_test_time_padding_for_odd_sizes():
    preprocessor = MultiModalDataPreProcessor(test_cfg=dict(size_divisor=32))
    data = make_batch([(254, 328)])
    out = preprocessor(data, training=False)
    assert out['inputs'].shape == (1, 4, 256, 352)
    assert tuple(out['data_samples'][0].img_padding_size) == (0, 24, 0, 2)
    unpadded = MultiModalDataPreProcessor()(make_batch([(254, 328)]))
    assert unpadded['inputs'].shape == (1, 4, 254, 328)


def test_wrong_channel_count_names_file():
    preprocessor = MultiModalDataPreProcessor(size_divisor=8)
    data = make_batch([(8, 8), (8, 8)])
    data['inputs'][1] = data['inputs'][1][:3]
    with pytest.raises(
            ValueError, match=r'4-channel .* \(3, 8, 8\) for '
            r'frame1.png'):
        preprocessor(data, training=True)

    three = MultiModalDataPreProcessor(in_channels=3)
    out = three(make_batch([(8, 8)], channels=3), training=False)
    assert out['inputs'].shape == (1, 3, 8, 8)
    with pytest.raises(ValueError, match='frame0.png'):
        three(make_batch([(8, 8)]), training=False)


IMAGENET_MEAN = [123.675, 116.28, 103.53]
IMAGENET_STD = [58.395, 57.12, 57.375]


def test_four_channel_normalisation():
    mean, std = IMAGENET_MEAN + [100.0], IMAGENET_STD + [50.0]
    preprocessor = MultiModalDataPreProcessor(mean=mean, std=std)
    assert preprocessor.normalizes
    data = make_batch([(8, 10)])
    raw = data['inputs'][0].float()
    out = preprocessor(data)['inputs'][0]
    expected = (raw - torch.tensor(mean).view(
        4, 1, 1)) / torch.tensor(std).view(4, 1, 1)
    torch.testing.assert_close(out, expected)


def test_stock_base_merges_with_three_values(monkeypatch):
    # A stock MMSeg base with the README's `type` line: ImageNet R, G, B
    # statistics and bgr_to_rgb=True; the infrared gets their means.
    logged = []
    monkeypatch.setattr(
        'segmif_mm.models.data_preprocessors.'
        'multimodal_data_preprocessor.print_log',
        lambda msg, **kwargs: logged.append(msg))
    stock = dict(
        type='SegDataPreProcessor',
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=(8, 8))
    preprocessor = MODELS.build(dict(stock, type='MultiModalDataPreProcessor'))
    torch.testing.assert_close(preprocessor.mean.flatten(),
                               torch.tensor(IMAGENET_MEAN + [114.495]))
    torch.testing.assert_close(preprocessor.std.flatten(),
                               torch.tensor(IMAGENET_STD + [57.63]))
    assert len(logged) == 2 and '114.495' in logged[0]
    data = make_batch([(8, 8)])
    raw = data['inputs'][0].float()
    out = preprocessor(data, training=True)['inputs'][0]
    # bgr_to_rgb=True swaps nothing: the inputs are already R, G, B.
    torch.testing.assert_close(out[0], (raw[0] - 123.675) / 58.395)
    torch.testing.assert_close(out[3], (raw[3] - 114.495) / 57.63)


def test_rgb_to_bgr_reverses_the_visible_channels():
    preprocessor = MultiModalDataPreProcessor(rgb_to_bgr=True)
    data = make_batch([(4, 4)])
    raw = data['inputs'][0].float() / 255
    out = preprocessor(data)['inputs'][0]
    torch.testing.assert_close(out, raw[[2, 1, 0, 3]])


def test_bad_statistics_say_what_to_write():
    with pytest.raises(ValueError, match=r'mean needs 4 values.*114.495'):
        MultiModalDataPreProcessor(mean=[0, 0], std=[1, 1])
    with pytest.raises(ValueError, match='only one of mean and std'):
        MultiModalDataPreProcessor(mean=IMAGENET_MEAN)
    with pytest.raises(ValueError, match='at most one'):
        MultiModalDataPreProcessor(bgr_to_rgb=True, rgb_to_bgr=True)
    three = MultiModalDataPreProcessor(
        in_channels=3, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    assert three.mean.numel() == 3
