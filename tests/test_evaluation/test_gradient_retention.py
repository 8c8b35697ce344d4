"""Gradient retention against hand-computed Sobel magnitudes."""
import math

import numpy as np
import pytest
import torch

from segmif_mm.evaluation.functional import gradient_retention


def sobel_magnitude(image: np.ndarray) -> np.ndarray:
    """MATLAB conv2(x, h, 'same') Sobel magnitude, written out per pixel."""
    padded = np.pad(image.astype(float), 1)
    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    # conv2 rotates the kernels by 180 degrees
    kx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])[::-1, ::-1]
    ky = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])[::-1, ::-1]
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            window = padded[i:i + 3, j:j + 3]
            gx[i, j] = (window * kx).sum()
            gy[i, j] = (window * ky).sum()
    return np.hypot(gx, gy)


def test_values_by_definition():
    rng = np.random.default_rng(0)
    fused, ir, vis = (rng.integers(0, 256, (9, 11)) for _ in range(3))
    g_f, g_ir, g_vis = map(sobel_magnitude, (fused, ir, vis))
    expected = dict(
        GR_ir=np.minimum(g_f, g_ir).sum() / g_ir.sum(),
        GR_vis=np.minimum(g_f, g_vis).sum() / g_vis.sum())
    values = gradient_retention(*(torch.from_numpy(x.astype(np.uint8))
                                  for x in (fused, ir, vis)))
    assert values == pytest.approx(expected, rel=1e-12)


def test_copy_keeps_everything_and_flat_keeps_little():
    rng = np.random.default_rng(1)
    ir = torch.from_numpy(rng.integers(0, 256, (200, 300), dtype=np.uint8))
    vis = torch.from_numpy(rng.integers(0, 256, (200, 300), dtype=np.uint8))
    assert gradient_retention(ir, ir, vis)['GR_ir'] == 1.0
    assert gradient_retention(vis, ir, vis)['GR_vis'] == 1.0
    flat = torch.full_like(ir, 128)
    # only the zero-padded border of a flat image responds
    assert gradient_retention(flat, ir, vis)['GR_vis'] < 0.05
    # a blurred copy keeps less than the copy
    blurred = torch.from_numpy(
        np.round((ir.numpy()[:-1, :-1].astype(float) + ir.numpy()[1:, 1:]) /
                 2).astype(np.uint8))
    smaller = ir[:-1, :-1].contiguous()
    assert gradient_retention(blurred, smaller, smaller)['GR_ir'] < 1.0
    # a source with no gradient at all (black: even its border is flat)
    assert math.isnan(
        gradient_retention(ir, torch.zeros_like(ir), vis)['GR_ir'])


def test_batches_and_bad_input():
    rng = np.random.default_rng(2)
    batch = torch.from_numpy(rng.integers(0, 256, (3, 8, 9), dtype=np.uint8))
    values = gradient_retention(batch, batch.flip(0), batch)
    assert values['GR_vis'].shape == (3, ) and torch.all(values['GR_vis'] == 1)
    with pytest.raises(TypeError, match='uint8'):
        gradient_retention(batch.float(), batch, batch)
