"""Photometric augmentations of one modality: the cameras users have.

Each transform changes either the visible image (``img``, R, G, B uint8) or
the infrared image (``ir``, uint8), never both, so put them after
``LoadMultiModalImages`` and before ``ConcatInfrared`` (and before
``GenerateSaliencyMaps``, whose maps describe the images the network sees).
Random parameters are drawn uniformly in log space for multiplicative
factors (gamma, gain, contrast), so that halving and doubling are equally
likely.
"""
import math
from typing import Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmseg.registry import TRANSFORMS


def _check_range(name: str, value: Sequence[float], low: float,
                 high: float) -> Tuple[float, float]:
    """``(a, b)`` with ``low <= a <= b <= high``, else a ValueError."""
    if len(value) != 2 or not low <= value[0] <= value[1] <= high:
        raise ValueError(f'{name} must be (min, max) with {low} <= min <= max '
                         f'<= {high}, got {value}.')
    return float(value[0]), float(value[1])


def _check_prob(name: str, prob: float) -> float:
    if not 0 <= prob <= 1:
        raise ValueError(f'{name}: prob must be in [0, 1], got {prob}.')
    return float(prob)


def _log_uniform(value_range: Tuple[float, float]) -> float:
    low, high = value_range
    return math.exp(np.random.uniform(math.log(low), math.log(high)))


def _to_uint8(image: np.ndarray) -> np.ndarray:
    """Round and clip float values to uint8 (halves away from zero)."""
    return np.clip(np.floor(image + 0.5), 0, 255).astype(np.uint8)


def _image(results: dict, key: str, owner: str, ndim: int) -> np.ndarray:
    """``results[key]`` checked to be a uint8 image of ``ndim`` dims."""
    image = results.get(key)
    if image is None or image.dtype != np.uint8 or image.ndim != ndim or (
            ndim == 3 and image.shape[2] != 3):
        kind = 'visible img (H, W, 3)' if key == 'img' else 'ir (H, W)'
        raise ValueError(
            f'{owner} needs the uint8 {kind} of LoadMultiModalImages, got '
            f'{None if image is None else (image.dtype, image.shape)} for '
            f'{results.get("img_path")}. Put it before ConcatInfrared.')
    return image


@TRANSFORMS.register_module()
class RandomGrayscaleVisible(BaseTransform):
    """Turn the visible image grey, as from a monochrome visible camera.

    ``Y = 0.299 R + 0.587 G + 0.114 B`` (``cv2.COLOR_RGB2GRAY``, the weights
    of the model's luminance) rounded to uint8, on all three channels: the
    way ``LoadMultiModalImages`` loads a grey visible file.

    Required Keys: img (uint8, (H, W, 3), R, G, B).
    Modified Keys: img.

    Args:
        prob (float): Probability of the conversion. Defaults to 0.2.
    """

    def __init__(self, prob: float = 0.2) -> None:
        self.prob = _check_prob(type(self).__name__, prob)

    @cache_randomness
    def _apply(self) -> bool:
        return np.random.rand() < self.prob

    def transform(self, results: dict) -> dict:
        visible = _image(results, 'img', type(self).__name__, 3)
        if self._apply():
            grey = cv2.cvtColor(visible, cv2.COLOR_RGB2GRAY)
            results['img'] = np.repeat(grey[..., None], 3, axis=2)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob})'


class _RandomExposure(BaseTransform):
    """Gamma and gain of one modality's 8-bit levels (base class).

    ``v' = round(clip(255 * gain * (v / 255) ** gamma, 0, 255))`` on every
    channel of ``results[self.key]``, with ``gamma`` and ``gain`` drawn
    log-uniformly: gamma > 1 and gain < 1 darken, gamma < 1 and gain > 1
    brighten and clip the highlights. Subclasses name the key, its number
    of dimensions and the default ranges.
    """
    key: str
    ndim: int

    def __init__(self, prob: float, gamma_range: Sequence[float],
                 gain_range: Sequence[float]) -> None:
        name = type(self).__name__
        self.prob = _check_prob(name, prob)
        self.gamma_range = _check_range(f'{name}: gamma_range', gamma_range,
                                        1e-3, 1e3)
        self.gain_range = _check_range(f'{name}: gain_range', gain_range, 1e-3,
                                       1e3)

    @cache_randomness
    def _params(self) -> Tuple[bool, float, float]:
        return (np.random.rand() < self.prob, _log_uniform(self.gamma_range),
                _log_uniform(self.gain_range))

    def transform(self, results: dict) -> dict:
        image = _image(results, self.key, type(self).__name__, self.ndim)
        apply, gamma, gain = self._params()
        if apply:
            levels = 255 * gain * (np.arange(256) / 255)**gamma
            results[self.key] = _to_uint8(levels)[image]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'gamma_range={self.gamma_range}, '
                f'gain_range={self.gain_range})')


@TRANSFORMS.register_module()
class RandomVisibleExposure(_RandomExposure):
    """Under- and over-expose the visible image (gamma and gain).

    ``x' = round(clip(255 * gain * (x / 255) ** gamma, 0, 255))`` on every
    channel, with ``gamma`` and ``gain`` drawn log-uniformly: gamma > 1 and
    gain < 1 darken (night, shadow), gamma < 1 and gain > 1 brighten and
    clip the highlights (glare, over-exposure).

    Required Keys: img (uint8, (H, W, 3)).
    Modified Keys: img.

    Args:
        prob (float): Probability of the change. Defaults to 0.5.
        gamma_range (Sequence[float]): ``(min, max)`` of gamma, positive.
            Defaults to (0.5, 2.5).
        gain_range (Sequence[float]): ``(min, max)`` of the gain, positive.
            Defaults to (0.3, 1.5).
    """
    key = 'img'
    ndim = 3

    def __init__(
        self,
        prob: float = 0.5,
        gamma_range: Sequence[float] = (0.5, 2.5),
        gain_range: Sequence[float] = (0.3, 1.5)
    ) -> None:
        super().__init__(prob, gamma_range, gain_range)


@TRANSFORMS.register_module()
class RandomInfraredExposure(_RandomExposure):
    """Dim the infrared image's levels (gamma and gain), as from a thermal
    camera whose 8-bit export spans a wide temperature range.

    ``y' = round(clip(255 * gain * (y / 255) ** gamma, 0, 255))``, with
    ``gamma`` and ``gain`` drawn log-uniformly. Gamma > 1 sinks the
    background towards black while hot objects stay bright, gain < 1 lowers
    everything: RoadScene's infrared (median level about 115) becomes like
    MSRS's (median about 12, hot spots above 100) at gamma 2.5 and gain 0.5
    (115 -> 17, 250 -> 121).
    Unlike :class:`RandomInfraredContrast` (a linear stretch about the
    mean) it keeps the order of hot and cold and the full dark end.

    Required Keys: ir (uint8, (H, W)).
    Modified Keys: ir.

    Args:
        prob (float): Probability of the change. Defaults to 0.3.
        gamma_range (Sequence[float]): ``(min, max)`` of gamma, positive.
            Defaults to (1.0, 3.0).
        gain_range (Sequence[float]): ``(min, max)`` of the gain, positive.
            Defaults to (0.4, 1.0).
    """
    key = 'ir'
    ndim = 2

    def __init__(
        self,
        prob: float = 0.3,
        gamma_range: Sequence[float] = (1.0, 3.0),
        gain_range: Sequence[float] = (0.4, 1.0)
    ) -> None:
        super().__init__(prob, gamma_range, gain_range)


@TRANSFORMS.register_module()
class RandomInfraredContrast(BaseTransform):
    """Lower (or raise) the infrared contrast and shift its level.

    ``y' = round(clip(m + contrast * (y - m) + offset, 0, 255))`` with ``m``
    the image's mean: a low-contrast thermal camera (narrow temperature
    span, haze, an automatic gain that a hot object dominates) and a
    different level offset. ``contrast`` is drawn log-uniformly, ``offset``
    uniformly.

    Required Keys: ir (uint8, (H, W)).
    Modified Keys: ir.

    Args:
        prob (float): Probability of the change. Defaults to 0.5.
        contrast_range (Sequence[float]): ``(min, max)`` of the contrast
            factor, positive. Defaults to (0.3, 1.2).
        offset_range (Sequence[float]): ``(min, max)`` of the offset in grey
            levels. Defaults to (-40, 40).
    """

    def __init__(
        self,
        prob: float = 0.5,
        contrast_range: Sequence[float] = (0.3, 1.2),
        offset_range: Sequence[float] = (-40, 40)
    ) -> None:
        name = type(self).__name__
        self.prob = _check_prob(name, prob)
        self.contrast_range = _check_range(f'{name}: contrast_range',
                                           contrast_range, 1e-3, 1e3)
        self.offset_range = _check_range(f'{name}: offset_range', offset_range,
                                         -255, 255)

    @cache_randomness
    def _params(self) -> Tuple[bool, float, float]:
        return (np.random.rand()
                < self.prob, _log_uniform(self.contrast_range),
                np.random.uniform(*self.offset_range))

    def transform(self, results: dict) -> dict:
        infrared = _image(results, 'ir', type(self).__name__, 2)
        apply, contrast, offset = self._params()
        if apply:
            mean = infrared.mean()
            results['ir'] = _to_uint8(mean + contrast *
                                      (infrared.astype(np.float32) - mean) +
                                      offset)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'contrast_range={self.contrast_range}, '
                f'offset_range={self.offset_range})')


@TRANSFORMS.register_module()
class RandomInfraredNoise(BaseTransform):
    """Add thermal sensor noise: per-pixel and per-column.

    ``y' = round(clip(y + n + c, 0, 255))`` with ``n`` white Gaussian noise
    of standard deviation ``noise_std`` (temporal noise) and ``c`` one
    Gaussian offset per column of standard deviation ``column_std`` (the
    fixed-pattern stripes of uncooled microbolometers), both drawn
    uniformly from their ranges per image.

    Required Keys: ir (uint8, (H, W)).
    Modified Keys: ir.

    Args:
        prob (float): Probability of the change. Defaults to 0.3.
        noise_std_range (Sequence[float]): ``(min, max)`` of the pixel
            noise's standard deviation in grey levels. Defaults to (1, 6).
        column_std_range (Sequence[float]): ``(min, max)`` of the column
            offsets' standard deviation in grey levels. Defaults to (0, 3).
    """

    def __init__(
        self,
        prob: float = 0.3,
        noise_std_range: Sequence[float] = (1, 6),
        column_std_range: Sequence[float] = (0, 3)
    ) -> None:
        name = type(self).__name__
        self.prob = _check_prob(name, prob)
        self.noise_std_range = _check_range(f'{name}: noise_std_range',
                                            noise_std_range, 0, 255)
        self.column_std_range = _check_range(f'{name}: column_std_range',
                                             column_std_range, 0, 255)

    @cache_randomness
    def _params(self) -> Tuple[bool, float, float, int]:
        return (np.random.rand()
                < self.prob, np.random.uniform(*self.noise_std_range),
                np.random.uniform(*self.column_std_range),
                np.random.randint(2**31))

    def transform(self, results: dict) -> dict:
        infrared = _image(results, 'ir', type(self).__name__, 2)
        apply, noise_std, column_std, seed = self._params()
        if apply:
            rng = np.random.default_rng(seed)
            noisy = infrared + rng.normal(
                0, noise_std, infrared.shape) + rng.normal(
                    0, column_std, (1, infrared.shape[1]))
            results['ir'] = _to_uint8(noisy)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'noise_std_range={self.noise_std_range}, '
                f'column_std_range={self.column_std_range})')
