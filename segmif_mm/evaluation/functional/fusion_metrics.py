"""All fusion-quality metrics of one or more triplets at once."""
from typing import Dict, Union

import torch
from prettytable import PrettyTable
from torch import Tensor

from .conversion import check_grey_images
from .filtering import sobel_conv2_same
from .information import (entropy_from_counts, joint_histogram,
                          merge_top_levels, mutual_information_from_histograms)
from .pixel_metrics import (average_gradient_float, correlation_from_moments,
                            image_moments, mse_from_moments, psnr_from_mse,
                            scd_from_moments, spatial_frequency_float)
from .structural_metrics import (VIF_MIN_SIZE, moment_stack, qabf_against_last,
                                 ssim_against_last, vif_against_last)

#: Metric names returned by :func:`fusion_metrics`, in table order, with
#: their units. Higher is better for all but MSE.
FUSION_METRICS = {
    'EN': 'bits',
    'SD': 'grey levels',
    'SF': 'grey levels',
    'AG': 'grey levels',
    'MI': 'bits, MI(A,F) + MI(B,F)',
    'SCD': 'sum of 2 correlations',
    'VIF': 'VIF(A,F) + VIF(B,F)',
    'Qabf': '0-1',
    'SSIM': 'SSIM(A,F) + SSIM(B,F)',
    'CC': 'mean of 2 correlations',
    'MSE': 'images in [0, 1]',
    'PSNR': 'dB, suite: 20 log10(255 / sqrt(MSE))',
    'PSNR_textbook': 'dB, peak 1: 20 log10(1 / sqrt(MSE))',
}


def fusion_metrics_table(means: Dict[str, float],
                         num_images: int) -> PrettyTable:
    """Table of the mean of each metric of :data:`FUSION_METRICS`.

    Args:
        means (dict[str, float]): Mean value per metric name.
        num_images (int): Images the means are over.

    Returns:
        PrettyTable: One row per metric with its unit.
    """
    table = PrettyTable(field_names=['Metric', 'Mean', 'Unit'])
    table.title = (f'Fusion quality, mean of {num_images} images '
                   '(MATLAB-suite conventions)')
    table.align['Metric'] = table.align['Unit'] = 'l'
    for name, unit in FUSION_METRICS.items():
        table.add_row([name, f'{means[name]:.4f}', unit])
    return table


def fusion_metrics(
        fused: Tensor,
        ir: Tensor,
        vis: Tensor,
        mi_joint_quirk: bool = True,
        qabf_exponent: float = 1.0) -> Dict[str, Union[float, Tensor]]:
    """Compute every fusion-quality metric, sharing intermediate results.

    A is the infrared, B the visible and F the fused image, all uint8 grey
    images (quantise and convert with ``to_uint8`` and ``rgb_to_gray``).
    The histograms, the exact pixel moments (SD, CC, SCD, MSE, PSNR), the
    float images, the moment maps of SSIM and of VIF's first scale and the
    Sobel responses are computed once for all metrics. The definitions are
    those of the single-metric functions of this package: ``entropy``,
    ``standard_deviation``, ``spatial_frequency``, ``average_gradient``,
    ``mutual_information``, ``scd``, ``vif``, ``qabf``, ``ssim``,
    ``correlation_coefficient``, ``mse``, ``psnr`` and ``psnr_textbook``.

    Args:
        fused (Tensor): uint8 ``[H, W]`` or ``[B, H, W]``, H, W >= 17.
        ir (Tensor): uint8, same shape (A).
        vis (Tensor): uint8, same shape (B).
        mi_joint_quirk (bool): Merge grey levels 254 and 255 in MI's joint
            histograms like the MATLAB suite. Defaults to True.
        qabf_exponent (float): Qabf's ``L``. Defaults to 1.0.

    Returns:
        dict[str, float | Tensor]: The metrics named in
        :data:`FUSION_METRICS`, in that order; floats for ``[H, W]`` inputs,
        float64 ``[B]`` tensors on the input device for batches.
    """
    (fused, ir, vis), unbatched = check_grey_images(
        min_size=VIF_MIN_SIZE,
        metric='fusion_metrics',
        fused=fused,
        ir=ir,
        vis=vis)
    stack = torch.stack([ir, vis, fused], 1)
    num_pixels = fused.shape[-2] * fused.shape[-1]

    # Exact joint histograms of (A, F) and (B, F); the grey histograms are
    # their sums, the suite's joint histograms their merged top levels.
    joints = [
        joint_histogram(stack[:, source], fused, joint_quirk=False)
        for source in (0, 1)
    ]
    counts = torch.stack(
        [joints[0].sum(2), joints[1].sum(2), joints[0].sum(1)], 1)
    mi = sum(
        mutual_information_from_histograms(
            counts[:, source], counts[:, 2],
            merge_top_levels(joint) if mi_joint_quirk else joint)
        for source, joint in enumerate(joints))
    moments = moment_stack(stack)
    images = moments[:, :3]  # float64 copies of A, B and F
    products, centred = image_moments(images)
    mse_value = mse_from_moments(products, num_pixels, 0, 1, 2)
    grad_x, grad_y = sobel_conv2_same(stack.to(torch.int32))

    values = {
        'EN':
        entropy_from_counts(counts[:, 2]),
        'SD':
        torch.sqrt(centred[:, 2, 2].to(torch.float64)) / num_pixels,
        'SF':
        spatial_frequency_float(images[:, 2]),
        'AG':
        average_gradient_float(images[:, 2]),
        'MI':
        mi,
        'SCD':
        scd_from_moments(centred, 0, 1, 2),
        'VIF':
        vif_against_last(images, moments).sum(1),
        'Qabf':
        qabf_against_last(grad_x, grad_y, qabf_exponent),
        'SSIM':
        ssim_against_last(images, moments).sum(1),
        'CC': (correlation_from_moments(centred, 0, 2) +
               correlation_from_moments(centred, 1, 2)) / 2,
        'MSE':
        mse_value,
        'PSNR':
        psnr_from_mse(mse_value, 255.0),
        'PSNR_textbook':
        psnr_from_mse(mse_value, 1.0),
    }
    if unbatched:
        return {name: value.item() for name, value in values.items()}
    return values
