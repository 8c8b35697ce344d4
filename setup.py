"""Install segmif_mm. Use ``tools/setup_env.sh`` for a complete environment:
torch and a compiled mmcv must be installed before this package.

Like MMSegmentation, the package carries the files that mim and the tools
need (``configs/``, ``tools/``, ``demo/``, ``model-index.yml``, the shipped
weights in ``checkpoints/``) as ``segmif_mm/.mim/``: copied into wheels and
source distributions, linked for editable installs (``pip install -e .``).
``segmif_mm.utils.find_resource`` finds them in both.
"""
import os
import shutil
import sys
from pathlib import Path
from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
MIM_DIR = HERE / 'segmif_mm' / '.mim'
#: Repository paths shipped in ``segmif_mm/.mim`` (the weights referenced by
#: the metafiles live in checkpoints/; tests/test_model_index.py checks that
#: it holds nothing else).
MIM_FILES = ('configs', 'tools', 'demo', 'model-index.yml', 'checkpoints')
#: setuptools commands that build a wheel or an sdist, and those of an
#: editable install (``develop`` for ``setup.py develop``, ``editable_wheel``
#: for ``pip install -e .`` by PEP 660).
COPY_COMMANDS = ('bdist_wheel', 'sdist')
LINK_COMMANDS = ('develop', 'editable_wheel')


def parse_requirements(name: str) -> list:
    """Read one file of ``requirements/``, skipping comments and blanks."""
    lines = (HERE / 'requirements' / name).read_text().splitlines()
    return [
        line.split('#')[0].strip() for line in lines
        if line.split('#')[0].strip()
    ]


def read_version() -> str:
    namespace: dict = {}
    exec((HERE / 'segmif_mm' / 'version.py').read_text(), namespace)
    return namespace['__version__']


def mim_mode(argv: list) -> str:
    """'copy', 'symlink' or '' (nothing to do) for these setup arguments."""
    if any(command in argv for command in LINK_COMMANDS):
        return 'symlink'
    if any(command in argv for command in COPY_COMMANDS):
        return 'copy'
    return ''


def remove(path: Path) -> None:
    """Remove a file, link or folder if it exists."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def add_mim_extension(mode: str) -> bool:
    """Fill ``segmif_mm/.mim`` with :data:`MIM_FILES`, as copies or links.

    Only in a clone: an unpacked sdist has no ``configs/`` of its own but
    already carries ``segmif_mm/.mim``. A copy starts from an empty
    ``.mim`` (and drops the one of an earlier build in ``build/lib``), so
    a file removed from the clone is not shipped.

    Returns:
        bool: Whether ``.mim`` was filled.
    """
    if not all((HERE / name).exists() for name in MIM_FILES):
        return False
    remove(MIM_DIR)
    remove(HERE / 'build' / 'lib' / 'segmif_mm' / '.mim')
    MIM_DIR.mkdir()
    for name in MIM_FILES:
        source, target = HERE / name, MIM_DIR / name
        if mode == 'symlink':
            target.symlink_to(os.path.relpath(source, MIM_DIR))
        elif source.is_dir():
            shutil.copytree(
                source,
                target,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(source, target)
    return True


if __name__ == '__main__':
    mode = mim_mode(sys.argv)
    filled = bool(mode) and add_mim_extension(mode)
    setup(
        name='segmif_mm',
        version=read_version(),
        description='SegMiF (ICCV 2023) infrared-visible fusion and '
        'segmentation for MMSegmentation 1.x',
        long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
        long_description_content_type='text/markdown',
        packages=find_packages(
            exclude=('configs', 'tools', 'tests', 'projects')),
        include_package_data=True,
        python_requires='>=3.9',
        install_requires=parse_requirements('runtime.txt'),
        extras_require=dict(
            mim=parse_requirements('mminstall.txt'),
            tests=parse_requirements('tests.txt')),
        license='Apache License 2.0',
        zip_safe=False)
    # The copies are in the wheel or sdist now. Left in the clone they
    # would shadow its own, edited files (find_resource looks in .mim first).
    if filled and mode == 'copy':
        remove(MIM_DIR)
