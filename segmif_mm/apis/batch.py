"""Running a job over many items without stopping at a bad one: the batch
tools (infer, fuse, eval_fusion ...) and any inferencer that takes folders.

Nothing here exits the process: a tool's ``main()`` ends with
``sys.exit(report.exit_code)``. A typical loop::

    matching = collect_pairs(args.ir, args.vis)      # never raises on a
    report = BatchReport('pairs', echo=True)         # bad name
    report.add_problems(matching.problems)            # unpaired -> failed
    for name, paths in matching.matched:
        if args.skip_existing and report.skip_existing(name, [out_path]):
            continue
        with report.attempt(name):                    # error -> failed
            mmcv.imwrite(process(paths), out_path,
                         backend_args=atomic_backend_args(out_path))
    print(report.summary())
    sys.exit(report.exit_code)                        # 1 if anything failed

Outputs are written atomically (:mod:`segmif_mm.utils.atomic_files`), so an
output that exists is complete and ``--skip-existing`` resumes a killed run.
Loading in worker processes with per-item errors: :func:`load_keep_going`.
"""
import os.path as osp
import sys
from collections import OrderedDict
from contextlib import contextmanager
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple)

from torch.utils.data import DataLoader, Dataset

from segmif_mm.datasets import Matching, match_by_name
from segmif_mm.datasets.file_pairing import Problem
from segmif_mm.utils import describe


def collect_pairs(ir: str, vis: str) -> Matching:
    """Pair infrared and visible inputs: two files (one pair named after the
    visible file), or two folders paired by name
    (:func:`segmif_mm.datasets.match_by_name`, the datasets' rule).

    Args:
        ir (str): Infrared image file or folder.
        vis (str): Visible image file or folder.

    Returns:
        Matching: ``(name, dict(ir=..., vis=...))`` per pair, and the names
        that cannot be paired with their reasons.

    Raises:
        FileNotFoundError: A path does not exist.
        ValueError: A file is paired with a folder, or a folder holds no
            image.
    """
    for path in (ir, vis):
        if not osp.exists(path):
            raise FileNotFoundError(f'{path} does not exist.')
    if osp.isfile(ir) and osp.isfile(vis):
        name = osp.splitext(osp.basename(vis))[0]
        return Matching([(name, dict(ir=ir, vis=vis))], [])
    if not (osp.isdir(ir) and osp.isdir(vis)):
        raise ValueError(
            f'--ir {ir} and --vis {vis} must both be files or both be '
            'folders.')
    return match_by_name(dict(ir=ir, vis=vis))


class _CatchingDataset(Dataset):
    """``load(arg)`` per ``(name, arg)`` item; errors become reasons."""

    def __init__(self, items: Sequence[Tuple[str, Any]],
                 load: Callable[[Any], Any]) -> None:
        self.items = list(items)
        self.load = load

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Tuple[str, Any, Optional[str]]:
        name, arg = self.items[index]
        try:
            return name, self.load(arg), None
        except Exception as err:  # reported per item, the run goes on
            return name, None, describe(err)


def _no_collate(item: Any) -> Any:
    return item


def load_keep_going(
        items: Sequence[Tuple[str, Any]],
        load: Callable[[Any], Any],
        num_workers: int = 0) -> Iterator[Tuple[str, Any, Optional[str]]]:
    """Load items in order, optionally in worker processes, without stopping
    at a bad one.

    Args:
        items (Sequence[tuple[str, Any]]): ``(name, arg)`` pairs.
        load (Callable[[Any], Any]): Loads one item from its ``arg``
            (picklable when ``num_workers > 0``).
        num_workers (int): Worker processes (torch ``DataLoader``).
            Defaults to 0 (load in this process).

    Yields:
        tuple[str, Any, str | None]: ``(name, loaded, None)``, or
        ``(name, None, reason)`` when ``load`` raised.
    """
    yield from DataLoader(
        _CatchingDataset(items, load),
        batch_size=None,
        shuffle=False,
        num_workers=num_workers,
        collate_fn=_no_collate)


class BatchReport:
    """What a batch job did with each item: done, skipped or failed.

    :meth:`summary` lists all outcomes, :meth:`as_dict` gives them for a
    JSON report and :attr:`exit_code` is what a tool exits with.

    Args:
        noun (str): What the items are, for messages. Defaults to 'items'.
        echo (bool): Print each failure to ``sys.stderr`` as it happens (a
            long run shows it at once). Defaults to False.

    Example:
        >>> report = BatchReport('pairs', echo=True)
        >>> with report.attempt('00001D'):
        ...     process('00001D')
        >>> report.failed('00002N', 'no ir image named 00002N in ir/')
        >>> print(report.summary())
        >>> sys.exit(report.exit_code)
    """

    OUTCOMES = ('done', 'skipped', 'failed')

    def __init__(self, noun: str = 'items', echo: bool = False) -> None:
        self.noun = noun
        self.echo = echo
        self.outcomes: Dict[str, List[Problem]] = OrderedDict(
            (outcome, []) for outcome in self.OUTCOMES)

    def done(self, name: str) -> None:
        self.outcomes['done'].append((name, ''))

    def skipped(self, name: str, reason: str) -> None:
        self.outcomes['skipped'].append((name, reason))

    def failed(self, name: str, reason: str) -> None:
        self.outcomes['failed'].append((name, reason))
        if self.echo:
            print(f'\nFailed: {name}: {reason}', file=sys.stderr, flush=True)

    def add_problems(self, problems: Iterable[Problem]) -> None:
        """Record ``(name, reason)`` pairs (e.g. ``Matching.problems``) as
        failed."""
        for name, reason in problems:
            self.failed(name, reason)

    @contextmanager
    def attempt(self, name: str) -> Iterator[None]:
        """Run the block for one item: done if it finishes, failed (with
        the exception's type and message) if it raises ``Exception``; the
        exception does not propagate. ``KeyboardInterrupt`` still stops the
        run."""
        try:
            yield
        except Exception as err:  # reported per item, the run goes on
            self.failed(name, describe(err))
        else:
            self.done(name)

    def skip_existing(self, name: str, outputs: Sequence[str]) -> bool:
        """Record ``name`` as skipped if all its outputs exist.

        Outputs written atomically are complete when they exist, so an
        interrupted run resumes where it stopped.

        Returns:
            bool: Whether the item was skipped.
        """
        if outputs and all(osp.isfile(path) for path in outputs):
            self.skipped(name, 'output exists (--skip-existing)')
            return True
        return False

    @property
    def exit_code(self) -> int:
        """int: 1 if anything failed, else 0."""
        return int(bool(self.outcomes['failed']))

    def as_dict(self) -> Dict[str, Any]:
        """Counts and reasons, for a JSON report: ``num_done``,
        ``num_skipped``, ``num_failed``, ``skipped`` and ``failed`` (name ->
        reason)."""
        result: Dict[str, Any] = {
            f'num_{outcome}': len(items)
            for outcome, items in self.outcomes.items()
        }
        for outcome in ('skipped', 'failed'):
            result[outcome] = dict(self.outcomes[outcome])
        return result

    def summary(self, show: Sequence[str] = ('skipped', 'failed')) -> str:
        """Counts per outcome, then one line per item of ``show``."""
        lines = [
            f'{len(self.outcomes["done"])} {self.noun} done, '
            f'{len(self.outcomes["skipped"])} skipped, '
            f'{len(self.outcomes["failed"])} failed'
        ]
        for outcome in show:
            lines += [
                f'  {outcome}: {name}: {reason}'
                for name, reason in self.outcomes[outcome]
            ]
        return '\n'.join(lines)
