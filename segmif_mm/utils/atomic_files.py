"""Atomic file writes: a file under its final name is always complete.

Every output of the package (checkpoints, fused images, panels, JSON
reports) is written under a hidden temporary name in its folder and then
renamed, so a run killed mid-write (SIGKILL, OOM killer, pre-emption)
leaves no half-written file under the final name, only a hidden
``.<stem>.*.tmp<suffix>`` file, which folder listings skip (mmengine's
``list_dir_or_file`` ignores hidden files) and :func:`temporary_pattern`
finds.

Two ways in, one implementation:

* :func:`write_atomically` for writers that need a path (``torch.save``,
  ``torch.onnx.export``, ``savefig``);
* the mmengine file backend :class:`AtomicLocalBackend` for everything that
  writes through ``mmengine.fileio`` (``mmcv.imwrite``, ``mmengine.dump``,
  ``Runner.save_checkpoint``): pass ``backend_args=atomic_backend_args(path)``.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Callable, Optional, Union

from mmengine.fileio import LocalBackend, register_backend

#: Name of :class:`AtomicLocalBackend` in mmengine's backend registry.
ATOMIC_BACKEND = 'atomic_local'


def write_atomically(path: str,
                     write: Callable[[str], None],
                     fsync: bool = False) -> None:
    """Write a file under a temporary name in its folder, then rename it.

    Args:
        path (str): Final path; its folder is created if missing.
        write (Callable[[str], None]): Writes the content to the given
            temporary path (which keeps ``path``'s suffix, so encoders that
            pick the format from the suffix work). Raises on failure.
        fsync (bool): Flush the file to disk before the rename, so that it
            also survives a power loss (slower). Defaults to False.

    Raises:
        Exception: Whatever ``write`` raises; the temporary file is removed
            and ``path`` is left as it was.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, suffix = osp.splitext(osp.basename(path))
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{stem}.', suffix=f'.tmp{suffix}', dir=folder)
    os.close(fd)
    # mkstemp creates the file readable by its owner only; give it the
    # permissions any other new file gets (0o666 minus the umask)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
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


def temporary_pattern(path: str) -> str:
    """Glob pattern of the temporary files :func:`write_atomically` uses
    for ``path`` (which may itself hold wildcards, e.g. ``'iter_*.pth'``),
    to remove those a killed run left behind."""
    folder, name = osp.split(path)
    stem, suffix = osp.splitext(name)
    return osp.join(folder, f'.{stem}.*.tmp{suffix}')


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` and ``put_text`` write
    atomically (:func:`write_atomically`); reading is unchanged.

    Args:
        fsync (bool): Flush every file to disk before its rename. Defaults
            to False.

    Example:
        >>> mmcv.imwrite(image, 'out/fused/0001.png',
        ...              backend_args=dict(backend='atomic_local'))
    """

    def __init__(self, fsync: bool = False) -> None:
        super().__init__()
        self.fsync = fsync

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically."""
        write_atomically(
            str(filepath),
            lambda tmp: super(AtomicLocalBackend, self).put(obj, tmp),
            self.fsync)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically."""
        write_atomically(
            str(filepath),
            lambda tmp: super(AtomicLocalBackend, self).put_text(
                obj, tmp, encoding), self.fsync)


def atomic_backend_args(uri: Union[str, Path],
                        backend_args: Optional[dict] = None,
                        fsync: bool = False) -> Optional[dict]:
    """``backend_args`` for ``mmengine.fileio`` writes to ``uri``: atomic
    (:class:`AtomicLocalBackend`) for a local path when no backend is
    chosen, else ``backend_args`` unchanged (remote storage such as
    ``s3://`` keeps its own backend).

    Args:
        uri (str | Path): The path or URI written to.
        backend_args (dict, optional): The caller's choice. Defaults to
            None.
        fsync (bool): See :class:`AtomicLocalBackend`. Defaults to False.

    Returns:
        dict | None: Arguments for ``backend_args=``.
    """
    if backend_args or '://' in str(uri):
        return backend_args
    return dict(backend=ATOMIC_BACKEND, fsync=fsync)
