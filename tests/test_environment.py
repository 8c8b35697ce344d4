"""The installed environment still honours requirements/constraints.txt.

tools/setup_env.sh applies the constraints to every pip call; these checks
make a drifting environment (a later pip call that upgraded setuptools past
82, a removed pkg_resources) fail in CI instead of in the next mmcv build.
"""
import importlib.metadata
import warnings
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

CONSTRAINTS = Path(__file__).parents[1] / 'requirements' / 'constraints.txt'


def constraints():
    lines = CONSTRAINTS.read_text().splitlines()
    return [
        Requirement(line.split('#')[0].strip()) for line in lines
        if line.split('#')[0].strip()
    ]


def test_setuptools_keeps_pkg_resources():
    assert Version(importlib.metadata.version('setuptools')) < Version('82')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # its deprecation notice
        import pkg_resources
    assert pkg_resources.get_distribution('mmcv').version == '2.1.0'


def test_installed_versions_satisfy_the_constraints():
    installed = {
        dist.metadata['Name'].lower(): dist.version
        for dist in importlib.metadata.distributions()
    }
    checked, broken = [], []
    for requirement in constraints():
        version = installed.get(requirement.name.lower())
        if version is None:
            continue  # a bound for a package this environment does not use
        checked.append(requirement.name)
        if not requirement.specifier.contains(version, prereleases=True):
            broken.append(f'{requirement.name} {version} (pin: {requirement})')
    assert {'setuptools', 'mmcv', 'mmengine', 'mmsegmentation',
            'numpy'} <= set(checked)
    assert not broken, (
        'installed versions break requirements/constraints.txt: ' +
        '; '.join(broken) + '. Rerun bash tools/setup_env.sh.')
