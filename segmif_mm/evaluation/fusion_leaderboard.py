"""Ranking fusion methods by the fusion-quality metrics.

Used by ``tools/analysis/fusion_leaderboard.py``: plain baselines, ranks per
metric, a text/JSON table and one bar-chart figure (a panel per metric, like
Figure 8 of the SegMiF paper, with bars instead of violins).
"""
from typing import Dict, List, Mapping, Sequence

import numpy as np
import torch
from prettytable import PrettyTable
from torch import Tensor

from segmif_mm.utils import write_atomically
from .functional import FUSION_METRICS

#: Metrics for which a lower value is better; higher is better for the rest.
LOWER_IS_BETTER = ('MSE', )

#: The plain "fusions" every method should beat, in table order.
BASELINES = ('infrared', 'visible', 'average', 'maximum')


def baseline_fusions(ir: Tensor, vis: Tensor) -> Dict[str, Tensor]:
    """The four plain fusions every method should beat.

    Either source alone is a baseline too: on contrast-rich thermal sets
    the infrared image alone beats the average and the maximum on EN, SD
    and SF. Its SCD (and that of the visible image alone) is undefined: one
    difference image is zero, so its correlation is NaN.

    Args:
        ir (Tensor): uint8 grey infrared image ``[H, W]`` (A).
        vis (Tensor): uint8 grey visible image ``[H, W]`` (B).

    Returns:
        dict[str, Tensor]: ``infrared`` (A), ``visible`` (B), ``average``
        (``round((A + B) / 2)``, halves up) and ``maximum``
        (``max(A, B)``), uint8 ``[H, W]``, in :data:`BASELINES` order.
    """
    total = ir.to(torch.int32) + vis.to(torch.int32)
    return dict(
        infrared=ir.clone(),
        visible=vis.clone(),
        average=torch.div(total + 1, 2, rounding_mode='floor').to(torch.uint8),
        maximum=torch.maximum(ir, vis))


def rank_methods(means: Mapping[str, Mapping[str, float]],
                 metrics: Sequence[str]) -> Dict[str, Dict[str, float]]:
    """Rank of every method per metric (1 = best, ties share the best rank)
    and its mean rank under ``'mean_rank'``. An undefined (NaN) mean ranks
    last, behind every defined one.

    Args:
        means (Mapping[str, Mapping[str, float]]): Per method, the mean of
            each metric.
        metrics (Sequence[str]): Metrics to rank by.

    Returns:
        dict[str, dict[str, float]]: Per method, ``metric -> rank`` and
        ``'mean_rank'``.
    """
    ranks: Dict[str, Dict[str, float]] = {name: {} for name in means}
    for metric in metrics:
        sign = 1 if metric in LOWER_IS_BETTER else -1
        values = {
            name:
            np.inf if np.isnan(means[name][metric]) else sign *
            means[name][metric]
            for name in means
        }
        for name, value in values.items():
            ranks[name][metric] = 1 + sum(v < value for v in values.values())
    for name in ranks:
        ranks[name]['mean_rank'] = float(
            np.mean([ranks[name][m] for m in metrics]))
    return ranks


def leaderboard(means: Mapping[str, Mapping[str, float]],
                metrics: Sequence[str]) -> List[dict]:
    """Methods ordered by mean rank, each with its means and ranks.

    Args:
        means (Mapping[str, Mapping[str, float]]): Per method, the mean of
            each metric.
        metrics (Sequence[str]): Metrics to rank by.

    Returns:
        list[dict]: ``dict(method, mean_rank, mean={...}, rank={...})``,
        best first (ties in mean rank keep the input order).
    """
    ranks = rank_methods(means, metrics)
    rows = [
        dict(
            method=name,
            mean_rank=ranks[name]['mean_rank'],
            mean={m: float(means[name][m])
                  for m in metrics},
            rank={m: int(ranks[name][m])
                  for m in metrics}) for name in means
    ]
    return sorted(rows, key=lambda row: row['mean_rank'])


def leaderboard_table(rows: Sequence[dict], num_images: int) -> PrettyTable:
    """The leaderboard as a table: ``mean (rank)`` per metric.

    Args:
        rows (Sequence[dict]): :func:`leaderboard` output.
        num_images (int): Images the means are over.

    Returns:
        PrettyTable: One row per method, best mean rank first.
    """
    metrics = list(rows[0]['mean'])
    table = PrettyTable(
        field_names=['#', 'Method', 'Mean rank'] +
        [f'{m} {"↓" if m in LOWER_IS_BETTER else "↑"}' for m in metrics])
    table.title = (f'Fusion leaderboard, mean of {num_images} images '
                   '(rank per metric in brackets)')
    table.align['Method'] = 'l'
    for place, row in enumerate(rows, 1):
        table.add_row(
            [place, row['method'], f'{row["mean_rank"]:.2f}'] +
            [f'{row["mean"][m]:.4g} ({row["rank"][m]})' for m in metrics])
    return table


def best_method(rows: Sequence[dict], metric: str) -> str:
    """The method with the best defined mean of ``metric`` (the first in
    ``rows`` order among ties)."""
    sign = 1 if metric in LOWER_IS_BETTER else -1
    defined = [row for row in rows if not np.isnan(row['mean'][metric])]
    return min(defined, key=lambda row: sign * row['mean'][metric])['method']


def plot_leaderboard(rows: Sequence[dict],
                     per_image: Mapping[str, Mapping[str, Sequence[float]]],
                     path: str) -> None:
    """One figure with a bar chart per metric: every method's mean, with
    the standard deviation over the images as an error bar.

    Readable at a glance: each method has one colour and a short label (its
    place in the leaderboard, ``1`` = best mean rank) under its bar, a
    legend maps labels to the full names, each panel's title says whether
    the metric must rise (↑) or fall (↓), and the best mean of each metric
    has a star and a black outline. Undefined means (NaN) get no bar.

    Args:
        rows (Sequence[dict]): :func:`leaderboard` output (sets the order).
        per_image (Mapping[str, Mapping[str, Sequence[float]]]): Per method
            and metric, the values of every image.
        path (str): Image file to write (PNG, PDF, SVG ...).
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    metrics = list(rows[0]['mean'])
    methods = [row['method'] for row in rows]
    labels = [str(place) for place in range(1, len(methods) + 1)]
    cols = min(4, len(metrics))
    nrows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(
        nrows, cols, figsize=(3.2 * cols, 2.4 * nrows + 1.2), squeeze=False)
    colors = plt.get_cmap('tab10')(np.arange(len(methods)) % 10)
    for ax, metric in zip(axes.flat, metrics):
        values = [np.asarray(per_image[m][metric], float) for m in methods]
        means = np.array([np.mean(v) for v in values])
        stds = np.array([np.std(v) for v in values])
        best = methods.index(best_method(rows, metric))
        bars = ax.bar(
            range(len(methods)),
            np.nan_to_num(means),
            yerr=np.nan_to_num(stds),
            color=colors,
            capsize=2)
        bars[best].set_edgecolor('black')
        bars[best].set_linewidth(1.5)
        defined = ~np.isnan(means)
        low = np.min((means - stds)[defined])
        high = np.max((means + stds)[defined])
        span = max(high - low, 1e-12)
        ax.set_ylim(max(0.0, low - 0.15 * span), high + 0.2 * span)
        ax.text(
            best,
            means[best] + stds[best] + 0.03 * span,
            '★',
            ha='center',
            va='bottom',
            fontsize=10)
        sense = ('lower is better'
                 if metric in LOWER_IS_BETTER else 'higher is better')
        arrow = '↓' if metric in LOWER_IS_BETTER else '↑'
        ax.set_title(f'{metric} {arrow}  ({sense})', fontsize=9)
        ax.set_xticks(range(len(methods)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.tick_params(axis='y', labelsize=7)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis('off')
    fig.legend(
        handles=[
            Patch(color=color, label=f'{label}: {method}')
            for label, method, color in zip(labels, methods, colors)
        ],
        loc='lower center',
        ncol=min(len(methods), 4),
        fontsize=8,
        frameon=False)
    fig.suptitle(
        'Fusion quality: mean ± std over images; ★ best mean per metric; '
        'bars numbered by mean rank',
        fontsize=10)
    fig.tight_layout(rect=(0, 0.08 + 0.02 * (len(methods) // 4), 1, 1))
    write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=120))
    plt.close(fig)


#: The default metrics of the leaderboard, in table order.
DEFAULT_METRICS = tuple(m for m in FUSION_METRICS if m != 'PSNR_textbook')
