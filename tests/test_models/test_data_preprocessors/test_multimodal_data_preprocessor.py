import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import segmif_mm  # noqa: F401
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
