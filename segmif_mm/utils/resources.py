"""Files shipped beside the code: configs, tools, model index, weights.

``setup.py`` puts ``configs/``, ``tools/``, ``model-index.yml`` and the
shipped weights of ``checkpoints/`` into the package as ``segmif_mm/.mim/``
(copies in a wheel, symbolic links in an editable install), as
MMSegmentation does for mim. :func:`find_resource` finds such a file in an
installed package and in a clone alike, so nothing has to name a path
inside the clone.
"""
from pathlib import Path
from typing import List, Union

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
#: The resources of an installed package (a wheel, or an editable install).
MIM_ROOT = PACKAGE_ROOT / '.mim'
#: The checkout the package is imported from, if it is one.
CLONE_ROOT = PACKAGE_ROOT.parent


def resource_roots() -> List[Path]:
    """The folders :func:`find_resource` searches, in order.

    The package's ``.mim`` folder, then the clone around the package: the
    folder above it when that holds ``setup.py`` (so the ``site-packages``
    folder of an installed package never counts as a clone).

    Returns:
        list[Path]: Existing folders, possibly none.
    """
    roots = [MIM_ROOT] if MIM_ROOT.is_dir() else []
    if (CLONE_ROOT / 'setup.py').is_file():
        roots.append(CLONE_ROOT)
    return roots


def find_resource(relative: Union[str, Path]) -> Path:
    """Path of a file or folder shipped with segmif_mm.

    Args:
        relative (str | Path): Its path relative to the repository root,
            e.g. ``'configs/segmif_demo.py'``, ``'model-index.yml'`` or
            ``'checkpoints/segmif_fusion_mit-b3_roadscene_fp16.pth'``.

    Returns:
        Path: The first existing one in :func:`resource_roots`.

    Raises:
        FileNotFoundError: Neither the installed package nor the clone has
            it; the message names where it was looked for.
    """
    for root in resource_roots():
        path = root / relative
        if path.exists():
            return path
    searched = [str(root) for root in resource_roots()
                ] or [f'{MIM_ROOT} (absent)', f'{CLONE_ROOT} (not a clone)']
    raise FileNotFoundError(
        f'segmif_mm resource {relative} not found in {", ".join(searched)}. '
        'Install segmif_mm from a wheel built with `pip wheel .` (it ships '
        'configs/, tools/, demo/, model-index.yml and checkpoints/ in '
        'segmif_mm/.mim), with `pip install -e .`, or run from a clone.')
