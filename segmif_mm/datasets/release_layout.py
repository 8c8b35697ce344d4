"""Check a public dataset release and lay it out as the datasets read it.

The converters of ``tools/dataset_converters/`` describe a release (FMB,
MFNet, MSRS, PST900) as :class:`ReleaseSplit` s; :func:`check_release`
names every problem of the downloaded files at once (a missing split or
folder, an image without its partner, a count that differs from the
official release, an unreadable or truncated file, a wrong image size,
sizes that differ within a sample, label ids outside the classes) and
:func:`copy_release` copies or links the good samples into the layout of
``docs/datasets.md``.
"""
import argparse
import os
import os.path as osp
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from mmengine.utils import ProgressBar
from PIL import Image

from segmif_mm.utils import write_atomically
from .dataset_check import check_sample
from .file_pairing import match_by_name
from .split_file import read_split_file
from .transforms import LoadMultiModalAnnotations, LoadMultiModalImages

Problem = Tuple[str, str]


class ReleaseSplit(NamedTuple):
    """One split of a release and where its files go.

    Attributes:
        split (str): Name of the split, e.g. ``'train'``.
        folders (dict[str, tuple[str, str]]): For each role the folder in
            the release and the folder in the output, both relative to
            their roots. Roles: ``'vis'`` and ``'ir'`` (or ``'packed'``, one
            R, G, B, thermal image in place of both, as MFNet's), ``'label'``
            and extra ones copied as they are (e.g. ``'ir_raw'``).
        num_samples (int): Samples of this split in the official release.
        optional (tuple[str]): Roles whose release folder may be absent
            (then the role is left out). Defaults to ().
        names_file (str): A file of the release listing the split's names
            (without suffix), one per line; '' takes every name found.
            Defaults to ''.
    """
    split: str
    folders: Dict[str, Tuple[str, str]]
    num_samples: int
    optional: Tuple[str, ...] = ()
    names_file: str = ''


def same_layout_splits(
    folders: Dict[str, str],
    num_samples: Dict[str, int],
    optional: Tuple[str, ...] = ()
) -> List[ReleaseSplit]:
    """Splits of a release whose layout the output keeps:
    ``<split>/<folder>/<name>`` in both.

    Args:
        folders (dict[str, str]): Folder of each role inside a split
            folder, e.g. ``dict(vis='vi', ir='ir', label='labels')``.
        num_samples (dict[str, int]): Samples of each split in the official
            release, e.g. ``dict(train=1083, test=361)``.
        optional (tuple[str]): See :class:`ReleaseSplit`.

    Returns:
        list[ReleaseSplit]: One per split.
    """
    return [
        ReleaseSplit(split, {
            role: (f'{split}/{folder}', ) * 2
            for role, folder in folders.items()
        }, count, optional) for split, count in num_samples.items()
    ]


class ReleaseSample(NamedTuple):
    """A sample found in a release.

    Attributes:
        split (ReleaseSplit): Its split.
        name (str): Its name without suffix.
        files (dict[str, str]): The release file of each role.
    """
    split: ReleaseSplit
    name: str
    files: Dict[str, str]


class ReleaseCheck(NamedTuple):
    """What :func:`check_release` found.

    Attributes:
        samples (list[ReleaseSample]): Samples without problems.
        problems (list[tuple[str, str]]): ``(where, problem)``; ``where`` is
            ``split/name`` of a sample, or ``split`` for the whole split.
        num_samples (int): Samples found (with and without problems).
    """
    samples: List[ReleaseSample]
    problems: List[Problem]
    num_samples: int

    def report(self, what: str) -> str:
        """A count, then one line per problem."""
        lines = [
            f'{what}: {self.num_samples} samples found, '
            f'{len(self.samples)} without problems, '
            f'{len(self.problems)} problem(s)' +
            (':' if self.problems else '.')
        ]
        lines += [f'  {where}: {problem}' for where, problem in self.problems]
        return '\n'.join(lines)


def _find_samples(
        root: str,
        split: ReleaseSplit) -> Tuple[List[ReleaseSample], List[Problem]]:
    """Match a split's files by name, compare the names with the split file
    and their count with the official release."""
    folders, problems = {}, []
    for role, (source, _) in split.folders.items():
        path = osp.join(root, source)
        if osp.isdir(path):
            folders[role] = path
        elif role not in split.optional:
            problems.append((split.split, f'folder {path} is missing'))
    names_file = osp.join(root, split.names_file)
    if split.names_file and not osp.isfile(names_file):
        problems.append((split.split, f'split file {names_file} is missing'))
    if problems:
        return [], problems
    try:
        matching = match_by_name(folders)
    except ValueError as err:  # a folder without images
        return [], [(split.split, str(err))]
    matched = dict(matching.matched)
    unmatched = dict(matching.problems)
    if split.names_file:
        names = read_split_file(names_file, 'the release',
                                'list the images it names')
        problems += [(f'{split.split}/{name}',
                      f'listed in {names_file} but no image of that name')
                     for name in names
                     if name not in matched and name not in unmatched]
    else:
        names = sorted(set(matched) | set(unmatched))
    problems += [(f'{split.split}/{name}', unmatched[name]) for name in names
                 if name in unmatched]
    if len(names) != split.num_samples:
        problems.append(
            (split.split, f'{len(names)} samples, the official release has '
             f'{split.num_samples}: an incomplete or different download?'))
    samples = [
        ReleaseSample(split, name, matched[name]) for name in names
        if name in matched
    ]
    return samples, problems


def _sample_problems(sample: ReleaseSample, num_classes: int,
                     size: Tuple[int, int]) -> List[str]:
    """Decode a sample's files (named file errors, sizes within the sample,
    label ids) and compare its size with the release's ``size`` (W, H).

    The size is read from the visible (or packed) image and from the files
    of extra roles (e.g. ``ir_raw``): ``check_sample`` already names an
    infrared image or label whose size differs from the visible image's.
    """
    files = sample.files
    image = files.get('packed') or files['vis']
    info = dict(
        img_path=image,
        ir_path=files.get('packed') or files['ir'],
        num_classes=num_classes,
        reduce_zero_label=False,
        label_map=None)
    if 'label' in files:
        info['seg_map_path'] = files['label']
    problems = check_sample(info, LoadMultiModalImages(),
                            LoadMultiModalAnnotations())
    checked = {'ir', 'label', 'vis' if 'packed' in files else 'packed'}
    for path in (path for role, path in files.items() if role not in checked):
        try:
            with Image.open(path) as opened:
                found = opened.size
        except OSError:
            continue  # check_sample named the unreadable file
        if found != tuple(size):
            problems.append(f'{path} is {found[0]}x{found[1]} (WxH), the '
                            f'release\'s images are {size[0]}x{size[1]}')
    return problems


def check_release(
        root: str,
        splits: Sequence[ReleaseSplit],
        num_classes: int,
        size: Tuple[int, int],
        num_workers: Optional[int] = None,
        progress: Optional[Callable[[], None]] = None) -> ReleaseCheck:
    """Check every file of a downloaded release; nothing stops at a problem.

    Args:
        root (str): The release's root folder.
        splits (Sequence[ReleaseSplit]): Its splits.
        num_classes (int): Label ids must be below it (or 255, ignore).
        size (tuple[int, int]): Width and height of every image and label.
        num_workers (int, optional): Decoding threads. Defaults to the CPU
            count, at most 8.
        progress (Callable[[], None], optional): Called after each decoded
            sample.

    Returns:
        ReleaseCheck: Good samples and every problem.
    """
    samples, problems = [], []
    for split in splits:
        found, split_problems = _find_samples(root, split)
        samples += found
        problems += split_problems
    # names with a problem already (no partner ...) count as found too
    num_found = len(samples) + len({where
                                    for where, _ in problems} -
                                   {split.split
                                    for split in splits})

    def run(sample: ReleaseSample) -> List[str]:
        found = _sample_problems(sample, num_classes, size)
        if progress is not None:
            progress()
        return found

    good = []
    with ThreadPoolExecutor(num_workers or min(8, os.cpu_count() or 1)) as \
            pool:
        for sample, found in zip(samples, pool.map(run, samples)):
            problems += [(f'{sample.split.split}/{sample.name}', problem)
                         for problem in found]
            if not found:
                good.append(sample)
    return ReleaseCheck(good, problems, num_found)


def find_release_root(path: str, marker: str) -> str:
    """The root of an unpacked release: ``path`` if it holds ``marker``,
    else its only subfolder that does (archives unpack into a folder of
    their own, e.g. ``PST900_RGBT_Dataset/``).

    Raises:
        FileNotFoundError: Neither holds ``marker``.
    """
    if osp.exists(osp.join(path, marker)):
        return path
    if osp.isdir(path):
        inner = [
            osp.join(path, entry) for entry in sorted(os.listdir(path))
            if osp.exists(osp.join(path, entry, marker))
        ]
        if len(inner) == 1:
            return inner[0]
    raise FileNotFoundError(
        f'{path} is not an unpacked release: neither it nor one folder '
        f'inside it holds {marker}. Give the folder the archive unpacked to.')


def output_path(out_dir: str, sample: ReleaseSample, role: str) -> str:
    """Where a sample's file of ``role`` goes (same name and suffix)."""
    return osp.join(out_dir, sample.split.folders[role][1],
                    osp.basename(sample.files[role]))


def copy_release(samples: List[ReleaseSample],
                 out_dir: str,
                 link: bool = False) -> int:
    """Copy (or symlink) the samples' files into the output layout.

    Each file is written under a temporary name and renamed
    (:func:`~segmif_mm.utils.write_atomically`), so an interrupted run
    leaves no partial file.

    Args:
        samples (list[ReleaseSample]): Samples from :func:`check_release`.
        out_dir (str): Output root, e.g. ``data/FMB``.
        link (bool): Symlink to the release files (absolute paths) instead
            of copying them. Defaults to False.

    Returns:
        int: Files written.
    """

    def symlink(source: str, tmp: str) -> None:
        os.remove(tmp)
        os.symlink(osp.abspath(source), tmp)

    place = symlink if link else shutil.copyfile
    written = 0
    for sample in samples:
        for role, source in sample.files.items():
            write_atomically(
                output_path(out_dir, sample, role),
                lambda tmp, source=source: place(source, tmp))
            written += 1
    return written


def release_parser(name: str, out_dir: str) -> argparse.ArgumentParser:
    """The command line every converter takes: ``release``, ``--out-dir``,
    ``--dry-run``, ``--link``, ``--keep-going``, ``--workers``."""
    parser = argparse.ArgumentParser(
        description=f'Check the {name} download and lay it out in {out_dir}')
    parser.add_argument('release', help=f'the unpacked {name} download')
    parser.add_argument(
        '--out-dir', default=out_dir, help=f'output root (default: {out_dir})')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='check the release and report; write nothing')
    parser.add_argument(
        '--link',
        action='store_true',
        help='symlink the release files instead of copying them')
    parser.add_argument(
        '--keep-going',
        action='store_true',
        help='write the samples without problems even if others have some '
        '(the exit status is still 1)')
    parser.add_argument(
        '--workers',
        type=int,
        help='decoding threads (default: CPU count, at most 8)')
    return parser


def convert_release(
    args: argparse.Namespace,
    splits: Sequence[ReleaseSplit],
    num_classes: int,
    size: Tuple[int, int],
    marker: str,
    write: Callable[[List[ReleaseSample], str, bool],
                    int] = copy_release) -> int:
    """Check a release, print every problem, write the layout.

    Nothing is written with ``--dry-run``, nor when a problem was found
    unless ``--keep-going`` (then only the samples without problems).

    Args:
        args (argparse.Namespace): Parsed :func:`release_parser`.
        splits (Sequence[ReleaseSplit]): The release's splits.
        num_classes (int): See :func:`check_release`.
        size (tuple[int, int]): See :func:`check_release`.
        marker (str): See :func:`find_release_root`.
        write (Callable): Writes the samples to the output root
            (``link`` as third argument) and returns the number of files.
            Defaults to :func:`copy_release`.

    Returns:
        int: Exit status: 1 if a problem was found, else 0.
    """
    root = find_release_root(args.release, marker)
    print(f'Checking {root} ...', flush=True)
    bar = ProgressBar()  # the count is known only after the check
    check = check_release(root, splits, num_classes, size, args.workers,
                          bar.update)
    print('\n' + check.report(root))
    if args.dry_run:
        print('--dry-run: nothing written.')
    elif check.problems and not args.keep_going:
        print(f'Nothing written to {args.out_dir}: fix the problems above, '
              'or pass --keep-going to write the samples without problems.')
    else:
        written = write(check.samples, args.out_dir, args.link)
        print(f'{written} files of {len(check.samples)} samples '
              f'{"linked" if args.link else "copied"} to {args.out_dir}.')
    return int(bool(check.problems))
