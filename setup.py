"""Install segmif_mm. Use ``tools/setup_env.sh`` for a complete environment:
torch and a compiled mmcv must be installed before this package."""
from pathlib import Path
from setuptools import find_packages, setup

HERE = Path(__file__).parent


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


setup(
    name='segmif_mm',
    version=read_version(),
    description='SegMiF (ICCV 2023) infrared-visible fusion and segmentation '
    'for MMSegmentation 1.x',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'projects')),
    python_requires='>=3.9',
    install_requires=parse_requirements('runtime.txt'),
    extras_require=dict(
        mim=parse_requirements('mminstall.txt'),
        tests=parse_requirements('tests.txt')),
    license='Apache License 2.0',
    zip_safe=False)
