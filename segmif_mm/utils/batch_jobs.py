"""Shared pieces of the batch tools (infer, fuse, eval_fusion, leaderboard):
pairing files by name, atomic writes, and a report that keeps going."""
import os
import os.path as osp
import tempfile
from collections import OrderedDict
from typing import Callable, Dict, List, Sequence, Tuple

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


def images_by_stem(folder: str) -> Dict[str, str]:
    """Image files of a folder (not recursive) keyed by name without suffix.

    Args:
        folder (str): The folder.

    Returns:
        dict[str, str]: Path of each image, sorted by name.

    Raises:
        FileNotFoundError: ``folder`` is not a folder.
        ValueError: Two images share a name, or there is no image.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder} is not a folder.')
    images: Dict[str, str] = {}
    for entry in sorted(os.listdir(folder)):
        stem, suffix = osp.splitext(entry)
        if suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if stem in images:
            raise ValueError(
                f'{folder} holds two images named {stem} '
                f'({osp.basename(images[stem])} and {entry}); keep one.')
        images[stem] = osp.join(folder, entry)
    if not images:
        raise ValueError(f'{folder} contains no images with a suffix in '
                         f'{IMAGE_SUFFIXES}.')
    return images


def collect_pairs(ir: str, vis: str) -> List[Tuple[str, str, str]]:
    """Pair infrared and visible inputs: two files, or two folders whose
    images are matched by name without suffix.

    Args:
        ir (str): Infrared image file or folder.
        vis (str): Visible image file or folder.

    Returns:
        list[tuple[str, str, str]]: ``(name, ir_path, vis_path)`` sorted by
        name; ``name`` is the visible file name without suffix.

    Raises:
        FileNotFoundError: A path does not exist.
        ValueError: A file is paired with a folder, or folder images have
            no partner.
    """
    for path in (ir, vis):
        if not osp.exists(path):
            raise FileNotFoundError(f'{path} does not exist.')
    if osp.isfile(ir) and osp.isfile(vis):
        return [(osp.splitext(osp.basename(vis))[0], ir, vis)]
    if not (osp.isdir(ir) and osp.isdir(vis)):
        raise ValueError(
            f'--ir {ir} and --vis {vis} must both be files or both be '
            'folders.')
    irs, viss = images_by_stem(ir), images_by_stem(vis)
    only_ir = sorted(set(irs) - set(viss))
    only_vis = sorted(set(viss) - set(irs))
    if only_ir or only_vis:
        raise ValueError(
            'Images are matched by name without suffix, but these have no '
            f'partner: infrared only ({ir}): {only_ir}; visible only '
            f'({vis}): {only_vis}.')
    return [(name, irs[name], viss[name]) for name in sorted(viss)]


def write_atomically(path: str, write: Callable[[str], None]) -> None:
    """Write a file under a temporary name in its folder, then rename it.

    A run killed mid-write leaves no half-written ``path`` (only a
    ``.tmp`` file, which later runs overwrite or ignore).

    Args:
        path (str): Final path; its folder is created if missing.
        write (Callable[[str], None]): Writes the content to the given
            temporary path (keeping ``path``'s suffix, so encoders that
            pick the format from the suffix work).
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, suffix = osp.splitext(osp.basename(path))
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{stem}.', suffix=f'.tmp{suffix}', dir=folder)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


class BatchReport:
    """What a batch tool did with each item: done, skipped or failed.

    Example:
        >>> report = BatchReport('pairs')
        >>> report.done('00001D')
        >>> report.failed('00002N', 'visible image is empty')
        >>> print(report.summary())
        >>> sys.exit(report.exit_code)
    """

    def __init__(self, noun: str = 'items') -> None:
        self.noun = noun
        self.outcomes: Dict[str, List[Tuple[str, str]]] = OrderedDict(
            done=[], skipped=[], failed=[])

    def done(self, name: str) -> None:
        self.outcomes['done'].append((name, ''))

    def skipped(self, name: str, reason: str) -> None:
        self.outcomes['skipped'].append((name, reason))

    def failed(self, name: str, reason: str) -> None:
        self.outcomes['failed'].append((name, reason))

    @property
    def exit_code(self) -> int:
        """int: 1 if anything failed, else 0."""
        return int(bool(self.outcomes['failed']))

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
