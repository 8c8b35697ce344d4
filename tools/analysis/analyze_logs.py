"""Plot the training curves of a run: loss terms, task weights, learning
rates and validation metrics against the iteration, with SegMiF's rounds
and phases shaded.

    python tools/analysis/analyze_logs.py work_dirs/segmif_fmb \
        [--config CONFIG] [--out curves.png] [--losses KEY ...]
        [--metrics KEY ...]

The input is a work directory, a run's timestamp folder, its ``vis_data``
folder or ``scalars.json`` files (mmengine's ``LocalVisBackend`` writes
them); a work directory contributes every run in it, in time order, so a
resumed run continues where it stopped (for an iteration logged twice, the
later run wins). One PNG with a panel each for

* the loss terms (``loss``, ``fusion.loss_*``, ``decode.loss_*`` ...) and
  the per-task losses ``task_fusion``/``task_seg``, each where its phase
  computes it;
* the task weights λ1/λ2 (``lambda_fusion``/``lambda_seg``, logged by
  ``DynamicTaskWeightHook``), when logged;
* the learning rates (``fusion.lr``, ``seg.lr`` or ``lr``; not the
  ``*.base_lr`` that warm-up schedulers log);
* each validation metric logged (default: ``EN``, ``SD``, ``SF``, ``SCD``
  and every ``*/mIoU``).

The phases of ``AlternatingTrainLoop`` are read from the config's
``train_cfg`` (by default the ``config.py`` that the run saved in
``vis_data``) and shaded by phase (fusion, seg, joint, fusion_only); a
dashed line starts each round. A ``fusion_only`` run is one shaded phase.
"""
import argparse
import glob
import inspect
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mmengine.config import Config

from segmif_mm.engine.runner import AlternatingTrainLoop
from segmif_mm.engine.runner.alternating_train_loop import PhaseSpan

#: Validation metrics plotted by default when logged (plus ``*/mIoU``).
DEFAULT_METRICS = ('EN', 'SD', 'SF', 'SCD')
PHASE_COLOURS = dict(
    fusion='tab:orange',
    seg='tab:blue',
    joint='tab:purple',
    fusion_only='tab:green')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Plot losses, task weights, learning rates and '
        'validation metrics with the rounds and phases shaded')
    parser.add_argument(
        'logs',
        nargs='+',
        help='work directory, run folder, vis_data folder or scalars.json')
    parser.add_argument(
        '--config',
        help='config of the run (default: config.py beside the first '
        'scalars.json)')
    parser.add_argument(
        '--out',
        help='output PNG (default: training_curves.png beside the first '
        'scalars.json)')
    parser.add_argument(
        '--losses', nargs='+', help='loss keys to plot (default: all)')
    parser.add_argument(
        '--metrics',
        nargs='+',
        help='validation metrics to plot (default: EN SD SF SCD and every '
        '*/mIoU that was logged)')
    return parser.parse_args()


def is_learning_rate(key: str) -> bool:
    """``lr`` or ``<optimizer>.lr`` (not mmengine's ``<optimizer>.base_lr``,
    the schedule's start value)."""
    return key == 'lr' or key.endswith('.lr')


def find_scalar_files(paths: Sequence[str]) -> List[str]:
    """The ``scalars.json`` files of the inputs, each run in time order.

    Raises:
        FileNotFoundError: An input holds no ``scalars.json``.
    """
    files = []
    for path in paths:
        if osp.isfile(path):
            files.append(path)
            continue
        found = sorted(
            glob.glob(osp.join(path, 'scalars.json')) +
            glob.glob(osp.join(path, 'vis_data', 'scalars.json')) +
            glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
        if not found:
            raise FileNotFoundError(
                f'No scalars.json in {path} (looked in it, in vis_data/ and '
                'in */vis_data/). Give a work directory of a run with '
                "mmengine's LocalVisBackend (vis_backends in the config).")
        files += found
    return files


def read_scalars(files: Sequence[str]) -> Tuple[List[dict], List[dict]]:
    """Training and validation rows of mmengine's ``scalars.json`` files.

    A row is a training row when it has a loss or learning-rate key; rows
    are sorted by ``step`` and a step logged in several files keeps the
    row of the last file. A validation row logged by epoch (mmengine's
    ``LoggerHook(log_metric_by_epoch=True)`` writes the epoch, 0, as its
    step) is placed at the last training iteration logged before it.

    Returns:
        tuple[list[dict], list[dict]]: Training rows, validation rows.
    """
    train: Dict[int, dict] = {}
    val: Dict[int, dict] = {}
    for path in files:
        last_train_step = 0
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f'{path}, line {number}: not JSON '
                                     f'({err}).') from err
                step = int(row['step'])
                if any('loss' in key or is_learning_rate(key) for key in row):
                    train[step] = row
                    last_train_step = step
                else:
                    row['step'] = max(step, last_train_step)
                    val[row['step']] = row
    return ([train[s] for s in sorted(train)], [val[s] for s in sorted(val)])


def phase_spans(cfg: Config) -> List[PhaseSpan]:
    """The phases of the config's ``AlternatingTrainLoop``; [] for any
    other loop."""
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('type') != 'AlternatingTrainLoop':
        return []
    defaults = inspect.signature(AlternatingTrainLoop).parameters
    return AlternatingTrainLoop.build_spans(
        *(train_cfg.get(key, defaults[key].default)
          for key in ('num_rounds', 'phases')))


def keys_of(rows: Sequence[dict], select) -> List[str]:
    """Keys of the rows for which ``select(key)`` holds, in first-seen
    order."""
    keys: Dict[str, None] = {}
    for row in rows:
        for key in row:
            if select(key):
                keys.setdefault(key)
    return list(keys)


def values(rows: Sequence[dict],
           key: str,
           drop_repeats: bool = False) -> List[float]:
    """The key's value in each row, NaN where it is missing.

    Args:
        rows (Sequence[dict]): Rows of :func:`read_scalars`.
        key (str): The key.
        drop_repeats (bool): Also NaN where the value equals the previous
            row's exactly. mmengine's ``LogProcessor`` keeps logging the
            last window's mean of a loss term that the current phase does
            not compute (e.g. ``fusion.loss_ssim`` in a ``seg`` phase): such
            repeats are not new values. Defaults to False.
    """
    found = [row.get(key, math.nan) for row in rows]
    if drop_repeats:
        found = [found[0]] + [
            math.nan if value == previous else value
            for previous, value in zip(found, found[1:])
        ]
    return found


def plot_series(ax,
                rows: Sequence[dict],
                keys: Sequence[str],
                marker: str = '',
                drop_repeats: bool = False) -> None:
    """One line per key over ``step``; a missing value breaks the line (a
    term logged only in some phases is not joined across them)."""
    steps = [row['step'] for row in rows]
    for key in keys:
        ax.plot(
            steps, values(rows, key, drop_repeats), marker=marker, label=key)
    ax.legend(fontsize='small', loc='best')


def shade_phases(axes, spans: Sequence[PhaseSpan]) -> List[Patch]:
    """Shade each phase by its kind and start each round with a dashed
    line, on every panel.

    Returns:
        list[Patch]: One legend entry per phase kind.
    """
    for ax in axes:
        for span in spans:
            ax.axvspan(
                span.begin,
                span.end,
                color=PHASE_COLOURS[span.phase],
                alpha=0.12,
                linewidth=0)
        for begin in sorted({
                min(s.begin for s in spans if s.round == r)
                for r in {s.round
                          for s in spans}
        })[1:]:
            ax.axvline(begin, color='grey', linestyle='--', linewidth=0.8)
    return [
        Patch(color=PHASE_COLOURS[phase], alpha=0.3, label=f'{phase} phase')
        for phase in dict.fromkeys(span.phase for span in spans)
    ]


def plot_curves(train: Sequence[dict],
                val: Sequence[dict],
                spans: Sequence[PhaseSpan],
                losses: Optional[Sequence[str]] = None,
                metrics: Optional[Sequence[str]] = None) -> Figure:
    """The figure: losses, task weights, learning rates, one panel per
    validation metric, all against the iteration.

    Args:
        train (Sequence[dict]): Training rows of :func:`read_scalars`.
        val (Sequence[dict]): Validation rows.
        spans (Sequence[PhaseSpan]): Phases to shade (may be empty).
        losses (Sequence[str], optional): Loss keys; None plots every key
            with ``loss`` in it and ``task_*``.
        metrics (Sequence[str], optional): Validation keys; None plots
            those of :data:`DEFAULT_METRICS` and ``*/mIoU`` that were
            logged.

    Returns:
        Figure: The matplotlib figure.

    Raises:
        ValueError: No training rows, or a requested key was never logged.
    """
    if not train:
        raise ValueError('No training rows (keys with "loss" or "lr") in '
                         'the logs.')
    logged = set(keys_of(train, bool)) | set(keys_of(val, bool))
    missing = [k for k in (losses or []) + (metrics or []) if k not in logged]
    if missing:
        raise ValueError(f'Never logged: {missing}; logged keys: '
                         f'{sorted(logged)}.')
    loss_keys = losses or keys_of(
        train, lambda k: 'loss' in k or k.startswith('task_'))
    panels = [('loss', train, loss_keys, '', True)]
    weights = keys_of(train, lambda k: k.startswith('lambda_'))
    if weights:
        panels.append(('task weight λ', train, weights, '', False))
    panels.append(
        ('learning rate', train, keys_of(train, is_learning_rate), '', False))
    metric_keys = metrics or keys_of(
        val, lambda k: k in DEFAULT_METRICS or k.endswith('/mIoU'))
    panels += [(key, val, [key], 'o', False) for key in metric_keys]
    fig = Figure(figsize=(10, 2.2 * len(panels) + 0.8))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (label, rows, keys, marker, drop_repeats) in zip(axes, panels):
        plot_series(ax, rows, keys, marker, drop_repeats)
        ax.set_ylabel(label)
    axes[-1].set_xlabel('iteration')
    phases = shade_phases(axes, spans)
    if phases:
        rounds = max(span.round for span in spans) + 1
        fig.legend(
            handles=phases,
            loc='upper center',
            ncol=len(phases),
            title=f'{rounds} round(s); a dashed line starts each round',
            fontsize='small')
    fig.tight_layout(rect=(0, 0, 1, 0.94 if phases else 1))
    return fig


def main() -> None:
    args = parse_args()
    files = find_scalar_files(args.logs)
    config = args.config or osp.join(osp.dirname(files[0]), 'config.py')
    if not osp.isfile(config):
        raise FileNotFoundError(
            f'{config} does not exist: give the run\'s config with '
            '--config (its train_cfg gives the phases).')
    train, val = read_scalars(files)
    spans = phase_spans(Config.fromfile(config))
    fig = plot_curves(train, val, spans, args.losses, args.metrics)
    out = args.out or osp.join(osp.dirname(files[0]), 'training_curves.png')
    fig.savefig(out, dpi=120)
    print(f'{len(train)} training and {len(val)} validation rows of '
          f'{len(files)} file(s), {len(spans)} phases: {out}')


if __name__ == '__main__':
    main()
