"""Fusion-quality metrics: closed forms, invariances, numpy reference."""
import math
from pathlib import Path

import numpy as np
import pytest
import reference_numpy as ref
import torch
from scipy import signal

from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.evaluation.functional import (FUSION_METRICS, fusion_metrics,
                                             rgb_to_gray)
from segmif_mm.evaluation.functional.filtering import (filter_valid,
                                                       filter_valid_unordered)
from segmif_mm.evaluation.functional.information import (entropy,
                                                         mutual_information)
from segmif_mm.evaluation.functional.pixel_metrics import (
    average_gradient, correlation_coefficient, mse, psnr, psnr_textbook, scd,
    spatial_frequency, standard_deviation)
from segmif_mm.evaluation.functional.structural_metrics import (qabf, ssim,
                                                                ssim_index,
                                                                vif, vifp)
from segmif_mm.utils import gaussian_kernel1d, to_uint8

# (folder, name, suffix, fusion rule of the test's fused image). 00001D has
# 254/255 pixels (MI quirk); max fusion copies edges, so Qabf meets equal
# source and fused edge strengths.
PAIRS = [('msrs_objects', '00001D', '.png', 'max'),
         ('msrs_objects', '00003N', '.png', 'average'),
         ('vifb_pairs', 'carShadow', '.jpg', 'average'),
         ('vifb_pairs', 'manWalking', '.jpg', 'max'),
         ('vifb_pairs', 'peopleShadow', '.jpg', 'average')]


def u8(array) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array, dtype=np.uint8))


def random_image(seed: int, shape=(48, 56)) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, shape, dtype=torch.uint8, generator=generator)


def load_real_pair(root: Path, name: str, suffix: str):
    """Infrared and grey visible uint8 numpy images of a real pair."""
    results = LoadMultiModalImages()(
        dict(
            img_path=str(root / 'vi' / f'{name}{suffix}'),
            ir_path=str(root / 'ir' / f'{name}{suffix}')))
    return results['ir'], ref.rgb2gray(results['img'])


def test_conversions():
    # Halves round up as MATLAB's im2uint8 and uint8() do.
    image = torch.tensor([-0.2, 0.0, 0.5 / 255, 1.5 / 255, 0.5, 1.0, 1.7])
    assert to_uint8(image).tolist() == [0, 0, 1, 2, 128, 255, 255]
    with pytest.raises(ValueError, match='NaN'):
        to_uint8(torch.tensor([0.5, float('nan')]))
    rgb = u8(np.random.default_rng(0).integers(0, 256, (7, 9, 3)))
    grey = rgb_to_gray(rgb.permute(2, 0, 1))
    assert torch.equal(grey, torch.from_numpy(ref.rgb2gray(rgb.numpy())))
    # Equal channels (a grey image stored as colour) stay unchanged.
    flat = torch.arange(256, dtype=torch.uint8).view(16, 16)
    assert torch.equal(rgb_to_gray(flat.expand(3, 16, 16)), flat)
    with pytest.raises(TypeError, match='to_uint8'):
        entropy(torch.rand(20, 20))
    with pytest.raises(ValueError, match='equal size'):
        mse(random_image(0), random_image(1, (48, 50)), random_image(2))
    with pytest.raises(ValueError, match='at least 11x11'):
        ssim_index(random_image(0, (10, 40)), random_image(1, (10, 40)))


@pytest.mark.parametrize('shape', [(2, 40, 33), (17, 17), (1, 29, 64)])
@pytest.mark.parametrize('size,sigma', [(17, 3.4), (9, 1.8), (11, 1.5),
                                        (3, 0.6)])
def test_separable_valid_filtering(shape, size, sigma):
    images = torch.rand(shape, dtype=torch.float64) * 255
    kernel = gaussian_kernel1d(size, sigma, torch.float64)
    window = ref.fspecial_gaussian(size, sigma)
    flat = images.reshape(-1, *shape[-2:]).numpy()
    expected = np.stack(
        [signal.correlate2d(image, window, mode='valid') for image in flat])
    for stride in (1, 2):
        strided = expected[:, ::stride, ::stride]
        out = filter_valid(images, kernel, stride).reshape(strided.shape)
        np.testing.assert_allclose(out.numpy(), strided, rtol=0, atol=1e-9)
    values, valid = filter_valid_unordered(images, kernel)
    assert torch.isfinite(values).all()
    ordered = np.sort(values[..., valid].reshape(len(flat), -1).numpy(), -1)
    np.testing.assert_allclose(
        ordered, np.sort(expected.reshape(len(flat), -1), -1), atol=1e-9)


@pytest.mark.parametrize('size,sigma', [(11, 1.5), (17, 3.4), (9, 1.8),
                                        (5, 1.0), (3, 0.6)])
def test_metric_windows_are_fspecial(size, sigma):
    """SSIM's and VIF's windows: the one Gaussian window, squared, is
    MATLAB's fspecial (which truncates none of their entries)."""
    kernel = gaussian_kernel1d(size, sigma, torch.float64).numpy()
    np.testing.assert_allclose(
        np.outer(kernel, kernel),
        ref.fspecial_gaussian(size, sigma),
        rtol=1e-14,
        atol=0)


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32])
@pytest.mark.parametrize('shape', [(2, 2), (2, 7), (5, 2), (3, 6, 9)])
def test_torch_gradient_is_matlab_gradient(dtype, shape):
    """AG's gradient is MATLAB's: central differences inside, one-sided at
    the borders, bit for bit (torch.gradient with edge_order=1)."""
    x = torch.randn(
        shape,
        dtype=dtype,
        generator=torch.Generator().manual_seed(len(shape)))

    def matlab(x, dim):
        grad = torch.empty_like(x)
        n = x.shape[dim]
        grad.narrow(dim, 0, 1).copy_(x.narrow(dim, 1, 1) - x.narrow(dim, 0, 1))
        grad.narrow(
            dim, n - 1,
            1).copy_(x.narrow(dim, n - 1, 1) - x.narrow(dim, n - 2, 1))
        for i in range(1, n - 1):
            grad.narrow(dim, i, 1).copy_(
                (x.narrow(dim, i + 1, 1) - x.narrow(dim, i - 1, 1)) / 2)
        return grad

    grad_y, grad_x = torch.gradient(x, dim=(-2, -1), edge_order=1)
    assert torch.equal(grad_x, matlab(x, -1))
    assert torch.equal(grad_y, matlab(x, -2))


def test_entropy_sd_of_two_levels():
    image = u8(np.tile([[10, 30]], (6, 4)))  # 50 % each, 6 x 8
    assert entropy(image) == pytest.approx(1.0, abs=1e-12)
    assert standard_deviation(image) == pytest.approx(10.0, abs=1e-12)
    quarter = u8(np.tile([[0, 0, 0, 200]], (4, 2)))
    assert entropy(quarter) == pytest.approx(
        -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)), abs=1e-12)
    assert entropy(u8(np.full((5, 5), 7))) == 0


def test_spatial_frequency_and_average_gradient_of_ramps():
    height, width = 6, 9
    cols = np.arange(width)
    horizontal = u8(np.tile(3 * cols, (height, 1)))
    assert spatial_frequency(horizontal) == pytest.approx(3.0, abs=1e-12)
    diagonal = u8(np.add.outer(np.arange(height), cols))
    assert spatial_frequency(diagonal) == pytest.approx(
        math.sqrt(2), abs=1e-12)
    # gradient() is exactly 3 along rows everywhere (also at the borders),
    # 0 along columns: s = 3 / sqrt(2) summed over H * W pixels.
    expected = height * width * 3 / math.sqrt(2) / ((height - 1) * (width - 1))
    assert average_gradient(horizontal) == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match='AG needs'):
        average_gradient(u8(np.zeros((1, 9))))


def test_mutual_information_of_identical_images():
    image = random_image(0).clamp(max=250)
    assert mutual_information(image, image, image) == pytest.approx(
        2 * entropy(image), abs=1e-12)
    # With 254 and 255 present, the suite's joint histogram merges them.
    image = u8(np.repeat([[0, 100, 254, 255]], 4, axis=0))  # 4 levels
    merged = -(0.25 * math.log2(0.25) * 2 + 0.5 * math.log2(0.5))  # 1.5
    assert entropy(image) == pytest.approx(2.0, abs=1e-12)
    assert mutual_information(image, image, image) == pytest.approx(
        2 * (2 * 2.0 - merged), abs=1e-12)
    assert mutual_information(
        image, image, image, joint_quirk=False) == pytest.approx(
            4.0, abs=1e-12)


def test_scd_signs():
    rows, cols = np.indices((8, 10))
    a = 40 * (rows % 2)  # uncorrelated with b, equal variance
    b = 40 * (cols % 2)
    ir, vis = u8(a), u8(b)
    assert scd(u8(a + b), ir, vis) == pytest.approx(2.0, abs=1e-12)
    assert scd(u8(100 - a - b), ir, vis) == pytest.approx(
        -2 / math.sqrt(5), abs=1e-12)
    assert scd(u8(a + 2 * b), ir, vis) == pytest.approx(
        1 + 1 / math.sqrt(2), abs=1e-12)


def test_identical_images():
    image = random_image(3)
    assert ssim_index(image, image) == pytest.approx(1.0, abs=1e-12)
    assert ssim(image, image, image) == pytest.approx(2.0, abs=1e-12)
    assert vifp(image, image) == pytest.approx(1.0, abs=1e-9)
    assert vif(image, image, image) == pytest.approx(2.0, abs=1e-9)
    assert correlation_coefficient(image, image, image) == pytest.approx(
        1.0, abs=1e-12)
    assert mse(image, image, image) == 0
    assert psnr(image, image, image) == math.inf


def test_psnr_range():
    zeros = u8(np.zeros((20, 20)))
    for level in (1, 51, 255):
        fused = u8(np.full((20, 20), level))
        assert mse(fused, zeros, zeros) == pytest.approx((level / 255)**2)
        textbook = psnr_textbook(fused, zeros, zeros)
        assert textbook == pytest.approx(20 * math.log10(255 / level))
        assert textbook >= 0
        assert psnr(fused, zeros,
                    zeros) == pytest.approx(textbook + 20 * math.log10(255))


def test_symmetric_in_the_sources_and_batched():
    fused, ir, vis = random_image(0), random_image(1), random_image(2)
    values = fusion_metrics(fused, ir, vis)
    swapped = fusion_metrics(fused, vis, ir)
    assert list(values) == list(FUSION_METRICS)
    for name in FUSION_METRICS:
        assert swapped[name] == pytest.approx(values[name], abs=1e-12), name
    batch = fusion_metrics(
        torch.stack([fused, vis]), torch.stack([ir, ir]),
        torch.stack([vis, fused]))
    second = fusion_metrics(vis, ir, fused)
    for name in FUSION_METRICS:
        assert batch[name].shape == (2, )
        assert batch[name][0].item() == pytest.approx(values[name], abs=1e-12)
        assert batch[name][1].item() == pytest.approx(second[name], abs=1e-12)
    # The combined function equals the single-metric functions.
    singles = dict(
        EN=entropy(fused),
        SD=standard_deviation(fused),
        SF=spatial_frequency(fused),
        AG=average_gradient(fused),
        MI=mutual_information(fused, ir, vis),
        SCD=scd(fused, ir, vis),
        VIF=vif(fused, ir, vis),
        Qabf=qabf(fused, ir, vis),
        SSIM=ssim(fused, ir, vis),
        CC=correlation_coefficient(fused, ir, vis),
        MSE=mse(fused, ir, vis),
        PSNR=psnr(fused, ir, vis),
        PSNR_textbook=psnr_textbook(fused, ir, vis))
    for name, value in singles.items():
        assert values[name] == pytest.approx(value, abs=1e-12), name


def synthetic_triplet(rule: str):
    """Fused, infrared and visible uint8 images built with integer
    arithmetic only (identical on every platform, no data files).

    The infrared image has a smooth ramp, a textured warm block reaching 254
    and a saturated one (255); the visible image a periodic texture with
    steps and a 254 strip: the MI quirk changes the result, and the max
    rule copies edges of both sources.
    """
    y, x = np.mgrid[:96, :128]
    ir = 30 + (x + 2 * y) // 3
    ir[16:48, 20:52] = 200 + (x[16:48, 20:52] + y[16:48, 20:52]) % 56
    ir[60:84, 80:116] = 255
    vis = (5 * x + 3 * y) % 97 + 40 * (x // 32)
    vis[:, :16] = 254
    if rule == 'max':
        fused = np.maximum(ir, vis)
    else:  # rounded average, halves up
        fused = (ir + vis + 1) // 2
    return tuple(image.astype(np.uint8) for image in (fused, ir, vis))


# Frozen from the torch functions (float64, 12 significant digits); the
# numpy transcription of the MATLAB scripts gives the same values.
SYNTHETIC_VALUES = {
    'max':
    dict(
        EN=6.90375580508,
        SD=64.2907536504,
        SF=31.6499133872,
        AG=7.58188462473,
        MI=7.79736201369,
        SCD=1.70576101901,
        VIF=0.701909209468,
        Qabf=0.703724239347,
        SSIM=1.2217644316,
        CC=0.598041477457,
        MSE=0.0753468423853,
        PSNR=59.3601530413,
        PSNR_textbook=11.2293494326),
    'average':
    dict(
        EN=7.33201942894,
        SD=40.7204291114,
        SF=19.6364433084,
        AG=5.451988658,
        MI=4.18224431896,
        SCD=1.51807411008,
        VIF=0.63067200694,
        Qabf=0.550841794567,
        SSIM=1.27098045391,
        CC=0.649746307556,
        MSE=0.0376753250703,
        PSNR=62.3702335268,
        PSNR_textbook=14.2394299182),
}
# MI without the joint-histogram quirk.
SYNTHETIC_EXACT_MI = dict(max=7.78568984455, average=4.17937816654)


@pytest.mark.parametrize('rule', ['max', 'average'])
def test_frozen_values_on_synthetic_triplets(rule):
    fused, ir, vis = synthetic_triplet(rule)
    frozen = SYNTHETIC_VALUES[rule]
    values = fusion_metrics(u8(fused), u8(ir), u8(vis))
    reference = ref.all_metrics(fused, ir, vis)
    assert list(values) == list(FUSION_METRICS) == list(frozen)
    for key in FUSION_METRICS:
        assert values[key] == pytest.approx(frozen[key], rel=1e-10), key
        assert reference[key] == pytest.approx(frozen[key], rel=1e-10), key
    exact = mutual_information(u8(fused), u8(ir), u8(vis), joint_quirk=False)
    assert exact == pytest.approx(SYNTHETIC_EXACT_MI[rule], rel=1e-10)
    assert ref.mi(
        fused, ir, vis, joint_quirk=False) == pytest.approx(
            SYNTHETIC_EXACT_MI[rule], rel=1e-10)
    assert exact < values['MI'] - 1e-3


@pytest.mark.parametrize('folder,name,suffix,rule', PAIRS)
def test_matches_numpy_reference_on_real_pairs(folder, name, suffix, rule,
                                               real_data):
    ir, vis = load_real_pair(real_data / folder, name, suffix)
    if rule == 'max':
        fused = np.maximum(ir, vis)
    else:
        average = np.floor((ir.astype(np.float64) + vis) / 2 + 0.5)
        fused = average.astype(np.uint8)
    expected = ref.all_metrics(fused, ir, vis)
    values = fusion_metrics(u8(fused), u8(ir), u8(vis))
    for key in FUSION_METRICS:
        assert values[key] == pytest.approx(expected[key], abs=1e-6), key
    exact = ref.mi(fused, ir, vis, joint_quirk=False)
    assert mutual_information(
        u8(fused), u8(ir), u8(vis), joint_quirk=False) == pytest.approx(
            exact, abs=1e-6)
    if name == '00001D':
        assert exact != pytest.approx(values['MI'], abs=1e-6)


@pytest.mark.cuda
def test_cuda_matches_cpu():
    images = [random_image(seed, shape=(2, 61, 83)) for seed in range(3)]
    on_cpu = fusion_metrics(*images)
    on_cuda = fusion_metrics(*(image.cuda() for image in images))
    assert list(on_cuda) == list(on_cpu)
    for name, value in on_cuda.items():
        assert value.device.type == 'cuda', name
        torch.testing.assert_close(
            value.cpu(), on_cpu[name], rtol=1e-9, atol=1e-9, msg=name)


def test_rgb_to_gray_equals_the_reference_on_every_colour():
    """All 2**24 colours, 64 blue levels at a time."""
    red, green = np.meshgrid(np.arange(256), np.arange(256))
    for start in range(0, 256, 64):
        blue = np.arange(start, start + 64)[:, None, None]
        rgb = np.stack(np.broadcast_arrays(red[None], green[None], blue),
                       -1).astype(np.uint8)  # (64, 256, 256, 3)
        grey = rgb_to_gray(torch.from_numpy(rgb).permute(0, 3, 1, 2))
        assert np.array_equal(grey.numpy(), ref.rgb2gray(rgb))
