"""Pairing the images of several folders by name: the one rule of
``FusionPairDataset`` and the batch tools (infer, fuse, eval_fusion ...).

The rule:

* A file's **name** is its path relative to its folder, with ``/`` between
  sub-folders, without its suffix: ``ir/day/00001D.png`` is ``day/00001D``.
  Sub-folders are searched recursively.
* A file is an image if its suffix is one of :data:`IMAGE_SUFFIXES`, or the
  suffix chosen for its folder, in any letter case (``.PNG`` is ``.png``).
  Hidden files (``.name``, e.g. the temporary files of atomic writes) are
  not.
* Names match exactly, letter case included: ``A.png`` and ``a.png`` are
  two names; such a near miss is named in the problem.
* A name held by several images of one folder (``x.png`` and ``x.jpg``) is
  a problem; a chosen suffix decides between them.

Every name that is not found exactly once in every folder is a problem
with its reason; nothing is dropped silently.
"""
import os.path as osp
from collections import defaultdict
from typing import Dict, List, NamedTuple, Optional, Tuple

import mmengine.fileio as fileio

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')

Problem = Tuple[str, str]


class Matching(NamedTuple):
    """Files matched by name across folders.

    Attributes:
        matched (list[tuple[str, dict[str, str]]]): ``(name, paths)`` of each
            name found once in every folder, sorted by name; ``paths`` maps
            each folder's role (e.g. ``'ir'``) to the file.
        problems (list[tuple[str, str]]): ``(name, reason)`` of every other
            name, sorted by name: missing in a folder (with the near miss,
            if a file there differs only in letter case) or held by several
            images of a folder.
    """
    matched: List[Tuple[str, Dict[str, str]]]
    problems: List[Problem]


def _name(file: str, suffix: Optional[str]) -> Optional[str]:
    """The name of an image file (relative path), or None for a file that
    is not an image."""
    lower = file.lower()
    if suffix:
        if not lower.endswith(suffix.lower()):
            return None
        stem = file[:-len(suffix)]
    else:
        stem, ext = osp.splitext(file)
        if ext.lower() not in IMAGE_SUFFIXES:
            return None
    return stem.replace(osp.sep, '/')


def list_images(
    folder: str,
    suffix: Optional[str] = None,
    backend_args: Optional[dict] = None
) -> Tuple[Dict[str, str], List[Problem]]:
    """The images of a folder and its sub-folders, keyed by name.

    Args:
        folder (str): The folder.
        suffix (str, optional): Only files with this suffix (any letter
            case) are images. Defaults to None (:data:`IMAGE_SUFFIXES`).
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.

    Returns:
        tuple[dict[str, str], list[tuple[str, str]]]: The path of each name
        held by one image, sorted by name, and ``(name, reason)`` for each
        name held by several.

    Raises:
        FileNotFoundError: ``folder`` is not a folder.
        ValueError: The folder holds no image.
    """
    if not fileio.isdir(folder, backend_args=backend_args):
        raise FileNotFoundError(f'{folder} is not a folder.')
    files: Dict[str, List[str]] = defaultdict(list)
    for file in fileio.list_dir_or_file(
            folder, list_dir=False, recursive=True, backend_args=backend_args):
        name = _name(file, suffix)
        if name is not None:
            files[name].append(file)
    if not files:
        wanted = suffix or ', '.join(IMAGE_SUFFIXES)
        raise ValueError(f'{folder} holds no images (suffix {wanted}, in '
                         'any letter case, also in sub-folders).')
    images = {
        name: osp.join(folder, entries[0])
        for name, entries in sorted(files.items()) if len(entries) == 1
    }
    problems = [(name, f'{folder} holds {len(entries)} images named {name} '
                 f'({", ".join(sorted(entries))}); keep one, or choose one '
                 'by its suffix') for name, entries in sorted(files.items())
                if len(entries) > 1]
    return images, problems


def _near_miss(name: str, images: Dict[str, str]) -> str:
    """A hint naming an image whose name differs from ``name`` only in
    letter case, or ''."""
    for other, path in images.items():
        if other.lower() == name.lower():
            return (f' ({osp.basename(path)} differs only in letter case: '
                    'rename one so the names match exactly)')
    return ''


def match_by_name(folders: Dict[str, str],
                  suffixes: Optional[Dict[str, Optional[str]]] = None,
                  backend_args: Optional[dict] = None) -> Matching:
    """Match the images of several folders by name (see the module's rule).

    ``00001D.png`` in one folder matches ``00001D.jpg`` in another.

    Args:
        folders (dict[str, str]): Folder of each role, e.g.
            ``dict(ir=IR_DIR, vis=VIS_DIR, fused=FUSED_DIR)``.
        suffixes (dict[str, str | None], optional): Suffix chosen for a
            role's folder; roles not given take :data:`IMAGE_SUFFIXES`.
            Defaults to None.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.

    Returns:
        Matching: Names in every folder, and a problem for every other name.

    Raises:
        FileNotFoundError: A folder does not exist (the message names its
            role).
        ValueError: A folder holds no image.
    """
    suffixes = suffixes or {}
    images, ambiguous = {}, {}
    for role, folder in folders.items():
        try:
            images[role], problems = list_images(folder, suffixes.get(role),
                                                 backend_args)
        except FileNotFoundError as err:
            raise FileNotFoundError(f'The {role} image folder: {err}') \
                from err
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
