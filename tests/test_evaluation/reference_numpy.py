"""Slow numpy/scipy transcription of the MATLAB fusion-metric suite.

A test oracle: it verifies the torch functions of
``segmif_mm.evaluation.functional`` (tests) and measures their speed-up
(``tools/analysis/benchmark_fusion_metrics.py``); do not use it for
evaluation. It is written independently of the torch code, step by step
after the MATLAB scripts (``entropy``, ``Hab``-style joint histograms,
``gradient``, ``corr2``, ``vifp_mscale.m``, ``analysis_Qabf.m``,
``ssim_index.m``) with full 2-D kernels, ``scipy.signal`` filtering and
``np.histogram``, so that agreement between the two means something.

All functions take 2-D uint8 numpy arrays ``(H, W)`` and return floats.
Arguments come in the order of the torch functions: the fused image first,
then the infrared and the visible source.
"""
from typing import Dict

import numpy as np
from scipy import signal


def rgb2gray(rgb: np.ndarray) -> np.ndarray:
    """MATLAB ``rgb2gray`` of a uint8 ``(H, W, 3)`` R, G, B array."""
    grey = (0.298936021293775 * rgb[..., 0].astype(np.float64) +
            0.587043074451121 * rgb[..., 1].astype(np.float64) +
            0.114020904255103 * rgb[..., 2].astype(np.float64))
    # MATLAB rounds halves away from zero (np.round rounds them to even).
    return np.clip(np.floor(grey + 0.5), 0, 255).astype(np.uint8)


def _entropy_of_probabilities(prob: np.ndarray) -> float:
    prob = prob[prob > 0]
    return float(-np.sum(prob * np.log2(prob)))


def en(fused: np.ndarray) -> float:
    """MATLAB ``entropy`` of a uint8 image."""
    hist, _ = np.histogram(fused, bins=256, range=(0, 256))
    return _entropy_of_probabilities(hist / fused.size)


def _mi_pair(x: np.ndarray, y: np.ndarray, joint_quirk: bool) -> float:
    if joint_quirk:
        # MATLAB h(x+1, y+1) on uint8 data: x + 1 saturates at 255, then
        # the 1-based index is shifted back to 0-based.
        row = np.minimum(x.astype(np.int64) + 1, 255) - 1
        col = np.minimum(y.astype(np.int64) + 1, 255) - 1
    else:
        row, col = x.astype(np.int64), y.astype(np.int64)
    joint = np.zeros((256, 256))
    np.add.at(joint, (row.ravel(), col.ravel()), 1)
    h_xy = _entropy_of_probabilities(joint / joint.sum())
    return en(x) + en(y) - h_xy


def mi(fused: np.ndarray,
       ir: np.ndarray,
       vis: np.ndarray,
       joint_quirk: bool = True) -> float:
    """MI(A, F) + MI(B, F) in bits."""
    return (_mi_pair(ir, fused, joint_quirk) +
            _mi_pair(vis, fused, joint_quirk))


def sd(fused: np.ndarray) -> float:
    """Population standard deviation."""
    return float(np.std(fused.astype(np.float64)))


def sf(fused: np.ndarray) -> float:
    """Spatial frequency."""
    img = fused.astype(np.float64)
    rf = np.sqrt(np.mean((img[1:, :] - img[:-1, :])**2))
    cf = np.sqrt(np.mean((img[:, 1:] - img[:, :-1])**2))
    return float(np.sqrt(rf**2 + cf**2))


def ag(fused: np.ndarray) -> float:
    """Average gradient, ``[gx, gy] = gradient(F)``."""
    img = fused.astype(np.float64)
    grad_y, grad_x = np.gradient(img)
    rows, cols = img.shape
    return float(
        np.sum(np.sqrt(
            (grad_x**2 + grad_y**2) / 2)) / ((rows - 1) * (cols - 1)))


def corr2(a: np.ndarray, b: np.ndarray) -> float:
    """MATLAB ``corr2``."""
    return float(
        np.corrcoef(
            a.astype(np.float64).ravel(),
            b.astype(np.float64).ravel())[0, 1])


def cc(fused: np.ndarray, ir: np.ndarray, vis: np.ndarray) -> float:
    """Mean of corr(A, F) and corr(B, F)."""
    return (corr2(ir, fused) + corr2(vis, fused)) / 2


def scd(fused: np.ndarray, ir: np.ndarray, vis: np.ndarray) -> float:
    """corr(F - B, A) + corr(F - A, B)."""
    a, b, f = (x.astype(np.float64) for x in (ir, vis, fused))
    return corr2(f - b, a) + corr2(f - a, b)


def mse(fused: np.ndarray, ir: np.ndarray, vis: np.ndarray) -> float:
    """Mean of MSE(A, F) and MSE(B, F) on images divided by 255."""
    a, b, f = (x.astype(np.float64) / 255 for x in (ir, vis, fused))
    return float(0.5 * np.mean((f - a)**2) + 0.5 * np.mean((f - b)**2))


def psnr(fused: np.ndarray, ir: np.ndarray, vis: np.ndarray) -> float:
    """The suite's PSNR, 20 log10(255 / sqrt(MSE))."""
    return float(20 * np.log10(255 / np.sqrt(mse(fused, ir, vis))))


def psnr_textbook(fused: np.ndarray, ir: np.ndarray, vis: np.ndarray) -> float:
    """PSNR with peak 1 on [0, 1] images."""
    return float(10 * np.log10(1 / mse(fused, ir, vis)))


def fspecial_gaussian(size: int, sigma: float) -> np.ndarray:
    """MATLAB ``fspecial('gaussian', size, sigma)``."""
    half = (size - 1) / 2
    y, x = np.mgrid[-half:half + 1, -half:half + 1]
    h = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    h[h < np.finfo(float).eps * h.max()] = 0
    return h / h.sum()


def filter2_valid(window: np.ndarray, img: np.ndarray) -> np.ndarray:
    """MATLAB ``filter2(window, img, 'valid')`` (a correlation)."""
    if img.shape[0] < window.shape[0] or img.shape[1] < window.shape[1]:
        return np.zeros((0, 0))
    return signal.correlate2d(img, window, mode='valid')


def vifp_mscale(ref: np.ndarray, dist: np.ndarray) -> float:
    """``vifp_mscale.m`` on float 0-255 data."""
    ref = ref.astype(np.float64)
    dist = dist.astype(np.float64)
    sigma_nsq = 2
    num = 0.0
    den = 0.0
    for scale in range(1, 5):
        n = 2**(4 - scale + 1) + 1
        win = fspecial_gaussian(n, n / 5)
        if scale > 1:
            ref = filter2_valid(win, ref)[::2, ::2]
            dist = filter2_valid(win, dist)[::2, ::2]
        mu1 = filter2_valid(win, ref)
        mu2 = filter2_valid(win, dist)
        sigma1_sq = filter2_valid(win, ref * ref) - mu1 * mu1
        sigma2_sq = filter2_valid(win, dist * dist) - mu2 * mu2
        sigma12 = filter2_valid(win, ref * dist) - mu1 * mu2
        sigma1_sq[sigma1_sq < 0] = 0
        sigma2_sq[sigma2_sq < 0] = 0
        g = sigma12 / (sigma1_sq + 1e-10)
        sv_sq = sigma2_sq - g * sigma12
        g[sigma1_sq < 1e-10] = 0
        sv_sq[sigma1_sq < 1e-10] = sigma2_sq[sigma1_sq < 1e-10]
        sigma1_sq[sigma1_sq < 1e-10] = 0
        g[sigma2_sq < 1e-10] = 0
        sv_sq[sigma2_sq < 1e-10] = 0
        sv_sq[g < 0] = sigma2_sq[g < 0]
        g[g < 0] = 0
        sv_sq[sv_sq <= 1e-10] = 1e-10
        num += np.sum(np.log10(1 + g**2 * sigma1_sq / (sv_sq + sigma_nsq)))
        den += np.sum(np.log10(1 + sigma1_sq / sigma_nsq))
    return float(num / den)


def vif(fused: np.ndarray, ir: np.ndarray, vis: np.ndarray) -> float:
    """VIF(A, F) + VIF(B, F)."""
    return vifp_mscale(ir, fused) + vifp_mscale(vis, fused)


def _sobel_strength_angle(img: np.ndarray):
    h1 = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float64)
    h3 = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
    img = img.astype(np.float64)
    sx = signal.convolve2d(img, h3, mode='same')
    sy = signal.convolve2d(img, h1, mode='same')
    strength = np.sqrt(sx**2 + sy**2)
    angle = np.full(img.shape, np.pi / 2)
    nonzero = sx != 0
    angle[nonzero] = np.arctan(sy[nonzero] / sx[nonzero])
    return strength, angle


def _edge_preservation(g_s, a_s, g_f, a_f):
    relative = np.empty_like(g_s)
    greater = g_s > g_f
    equal = g_s == g_f
    less = ~greater & ~equal
    relative[greater] = g_f[greater] / g_s[greater]
    relative[equal] = g_f[equal]
    relative[less] = g_s[less] / g_f[less]
    orientation = 1 - np.abs(a_s - a_f) / (np.pi / 2)
    q_g = 0.9994 / (1 + np.exp(-15 * (relative - 0.5)))
    q_a = 0.9879 / (1 + np.exp(-22 * (orientation - 0.8)))
    return q_g * q_a


def qabf(fused: np.ndarray, ir: np.ndarray, vis: np.ndarray) -> float:
    """``analysis_Qabf.m`` on float 0-255 data."""
    g_a, a_a = _sobel_strength_angle(ir)
    g_b, a_b = _sobel_strength_angle(vis)
    g_f, a_f = _sobel_strength_angle(fused)
    q_af = _edge_preservation(g_a, a_a, g_f, a_f)
    q_bf = _edge_preservation(g_b, a_b, g_f, a_f)
    return float(np.sum(q_af * g_a + q_bf * g_b) / np.sum(g_a + g_b))


def ssim_index(img1: np.ndarray, img2: np.ndarray) -> float:
    """``ssim_index.m`` (Wang et al.) with its default parameters."""
    window = fspecial_gaussian(11, 1.5)
    c1 = (0.01 * 255)**2
    c2 = (0.03 * 255)**2
    img1 = img1.astype(np.float64)
    img2 = img2.astype(np.float64)
    mu1 = filter2_valid(window, img1)
    mu2 = filter2_valid(window, img2)
    sigma1_sq = filter2_valid(window, img1 * img1) - mu1 * mu1
    sigma2_sq = filter2_valid(window, img2 * img2) - mu2 * mu2
    sigma12 = filter2_valid(window, img1 * img2) - mu1 * mu2
    ssim_map = ((2 * mu1 * mu2 + c1) *
                (2 * sigma12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) *
                                       (sigma1_sq + sigma2_sq + c2))
    return float(np.mean(ssim_map))


def ssim(fused: np.ndarray, ir: np.ndarray, vis: np.ndarray) -> float:
    """SSIM(A, F) + SSIM(B, F)."""
    return ssim_index(ir, fused) + ssim_index(vis, fused)


def all_metrics(fused: np.ndarray, ir: np.ndarray,
                vis: np.ndarray) -> Dict[str, float]:
    """Every metric of ``fusion_metrics`` under the same names."""
    return {
        'EN': en(fused),
        'SD': sd(fused),
        'SF': sf(fused),
        'AG': ag(fused),
        'MI': mi(fused, ir, vis),
        'SCD': scd(fused, ir, vis),
        'VIF': vif(fused, ir, vis),
        'Qabf': qabf(fused, ir, vis),
        'SSIM': ssim(fused, ir, vis),
        'CC': cc(fused, ir, vis),
        'MSE': mse(fused, ir, vis),
        'PSNR': psnr(fused, ir, vis),
        'PSNR_textbook': psnr_textbook(fused, ir, vis),
    }
