"""Shared pieces of the batch tools (infer, fuse, eval_fusion, ...): they
keep going past bad inputs, report each with its reason, resume with
``--skip-existing`` and never leave a half-written output.

A typical loop::

    matching = collect_pairs(args.ir, args.vis)        # never raises on
    report = BatchReport('pairs')                      # a bad name
    report.add_problems(matching.problems)              # unmatched -> failed
    for name, paths in matching.matched:
        if args.skip_existing and report.skip_existing(name, [out_path]):
            continue
        with report.attempt(name):                      # error -> failed
            imwrite_atomically(out_path, process(paths['ir'], paths['vis']))
    print(report.summary())
    report.exit()                                       # status 1 if failed

Loading in worker processes with per-item errors: :func:`load_keep_going`.
"""
import os
import os.path as osp
import sys
import tempfile
from collections import OrderedDict, defaultdict
from contextlib import contextmanager
from typing import (Any, Callable, Dict, Iterable, Iterator, List, NamedTuple,
                    Optional, Sequence, Tuple)

import cv2
import numpy as np
from torch.utils.data import DataLoader, Dataset

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')

Problem = Tuple[str, str]


class Matching(NamedTuple):
    """Files matched by name across folders.

    Attributes:
        matched (list[tuple[str, dict[str, str]]]): ``(name, paths)`` of each
            name found once in every folder, sorted by name; ``paths`` maps
            each folder's role (e.g. ``'ir'``) to the file.
        problems (list[tuple[str, str]]): ``(name, reason)`` of every other
            name: missing in a folder (with the near miss, if a file there
            differs only in letter case) or ambiguous (``x.png`` and
            ``x.jpg`` in one folder).
    """
    matched: List[Tuple[str, Dict[str, str]]]
    problems: List[Problem]


def describe(err: BaseException) -> str:
    """One line naming an exception's type and message."""
    return f'{type(err).__name__}: {" ".join(str(err).split())}'


def images_by_stem(folder: str) -> Tuple[Dict[str, str], List[Problem]]:
    """Image files of a folder (not recursive) keyed by name without suffix.

    Files with a suffix of :data:`IMAGE_SUFFIXES` (any letter case) count;
    hidden files (``.name``, e.g. the temporary files of
    :func:`write_atomically`) do not.

    Args:
        folder (str): The folder.

    Returns:
        tuple[dict[str, str], list[tuple[str, str]]]: The path of each name
        found once, sorted by name, and ``(name, reason)`` for each name
        held by several files (``x.png`` and ``x.jpg``).

    Raises:
        FileNotFoundError: ``folder`` is not a folder.
        ValueError: The folder holds no image.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder} is not a folder.')
    files: Dict[str, List[str]] = defaultdict(list)
    for entry in sorted(os.listdir(folder)):
        stem, suffix = osp.splitext(entry)
        if suffix.lower() in IMAGE_SUFFIXES and not entry.startswith('.'):
            files[stem].append(entry)
    if not files:
        raise ValueError(f'{folder} contains no images with a suffix in '
                         f'{IMAGE_SUFFIXES}.')
    images = {
        stem: osp.join(folder, entries[0])
        for stem, entries in files.items() if len(entries) == 1
    }
    problems = [(stem, f'{folder} holds {len(entries)} images named {stem} '
                 f'({", ".join(entries)}); keep one, or rename the others')
                for stem, entries in files.items() if len(entries) > 1]
    return images, problems


def _near_miss(name: str, images: Dict[str, str]) -> str:
    """A hint naming an image whose name differs from ``name`` only in
    letter case, or ''."""
    for stem, path in images.items():
        if stem.lower() == name.lower():
            return (f' ({osp.basename(path)} differs only in letter case: '
                    'rename one so the names match exactly)')
    return ''


def match_by_stem(folders: Dict[str, str]) -> Matching:
    """Match the images of several folders by name without suffix.

    ``00001D.png`` in one folder matches ``00001D.jpg`` in another. Names
    must match exactly: ``A.png`` and ``a.png`` are different names, and
    such a near miss is named in the problem.

    Args:
        folders (dict[str, str]): Folder of each role, e.g.
            ``dict(ir=IR_DIR, vis=VIS_DIR, fused=FUSED_DIR)``.

    Returns:
        Matching: Names in every folder, and a problem for every other name.

    Raises:
        FileNotFoundError: A folder does not exist.
        ValueError: A folder holds no image.
    """
    images, ambiguous = {}, {}
    for role, folder in folders.items():
        images[role], problems = images_by_stem(folder)
        ambiguous[role] = dict(problems)
    names = sorted(set().union(*images.values(), *ambiguous.values()))
    matched, problems = [], []
    for name in names:
        reasons = []
        for role, folder in folders.items():
            if name in ambiguous[role]:
                reasons.append(ambiguous[role][name])
            elif name not in images[role]:
                reasons.append(f'no {role} image named {name} in {folder}' +
                               _near_miss(name, images[role]))
        if reasons:
            problems.append((name, '; '.join(reasons)))
        else:
            matched.append((name, {
                role: images[role][name]
                for role in folders
            }))
    return Matching(matched, problems)


def collect_pairs(ir: str, vis: str) -> Matching:
    """Pair infrared and visible inputs: two files (one pair named after the
    visible file), or two folders matched by :func:`match_by_stem`.

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
    return match_by_stem(dict(ir=ir, vis=vis))


def write_atomically(path: str,
                     write: Callable[[str], None],
                     fsync: bool = False) -> None:
    """Write a file under a temporary name in its folder, then rename it.

    A run killed mid-write leaves no half-written ``path``, only a hidden
    ``.<stem>.*.tmp<suffix>`` file, which :func:`images_by_stem` ignores.

    Args:
        path (str): Final path; its folder is created if missing.
        write (Callable[[str], None]): Writes the content to the given
            temporary path (which keeps ``path``'s suffix, so encoders that
            pick the format from the suffix work). Raises on failure.
        fsync (bool): Flush the file to disk before the rename, so it also
            survives a power loss (slower). Defaults to False.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, suffix = osp.splitext(osp.basename(path))
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{stem}.', suffix=f'.tmp{suffix}', dir=folder)
    os.close(fd)
    try:
        write(tmp)
        if fsync:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def imwrite_atomically(path: str, image: np.ndarray) -> None:
    """Encode an image (OpenCV channel order: B, G, R) to ``path``, format
    from its suffix, with :func:`write_atomically`.

    Raises:
        OSError: OpenCV cannot encode or write the image.
    """

    def write(tmp: str) -> None:
        if not cv2.imwrite(tmp, image):
            raise OSError(f'OpenCV could not write {path}.')

    write_atomically(path, write)


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
    """What a batch tool did with each item: done, skipped or failed.

    Failures are printed as they happen (a long run shows them at once), all
    outcomes again by :meth:`summary`.

    Args:
        noun (str): What the items are, for messages. Defaults to 'items'.
        echo (bool): Print each failure to ``sys.stderr`` as it happens.
            Defaults to True.

    Example:
        >>> report = BatchReport('pairs')
        >>> with report.attempt('00001D'):
        ...     process('00001D')
        >>> report.failed('00002N', 'no ir image named 00002N in ir/')
        >>> print(report.summary())
        >>> report.exit()
    """

    OUTCOMES = ('done', 'skipped', 'failed')

    def __init__(self, noun: str = 'items', echo: bool = True) -> None:
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

        Outputs written with :func:`write_atomically` are complete when
        they exist, so an interrupted run resumes where it stopped.

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

    def exit(self) -> None:
        """``sys.exit(1)`` if anything failed; return otherwise."""
        if self.exit_code:
            sys.exit(self.exit_code)
