from pathlib import Path

import pytest

import segmif_mm.utils.resources as resources
from segmif_mm.utils import find_resource, resource_roots

REPO = Path(__file__).resolve().parents[2]


def test_clone_resources_are_found():
    # (through segmif_mm/.mim after `pip install -e .`, which links them)
    assert find_resource('configs/segmif_demo.py').resolve() == (
        REPO / 'configs' / 'segmif_demo.py')
    assert find_resource('model-index.yml').is_file()
    assert REPO in resource_roots()


def test_the_package_copy_comes_first(tmp_path, monkeypatch):
    mim = tmp_path / '.mim'
    (mim / 'configs').mkdir(parents=True)
    (mim / 'configs' / 'segmif_demo.py').write_text('# installed\n')
    monkeypatch.setattr(resources, 'MIM_ROOT', mim)
    assert resource_roots() == [mim, REPO]
    assert find_resource('configs/segmif_demo.py') == (
        mim / 'configs' / 'segmif_demo.py')
    # what the package lacks comes from the clone
    assert find_resource('configs/segmif_fmb.py') == (
        REPO / 'configs' / 'segmif_fmb.py')


def test_site_packages_is_not_a_clone(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, 'MIM_ROOT', tmp_path / 'absent')
    monkeypatch.setattr(resources, 'CLONE_ROOT', tmp_path)
    (tmp_path / 'configs').mkdir()
    (tmp_path / 'configs' / 'segmif_demo.py').write_text('# not ours\n')
    assert resource_roots() == []
    with pytest.raises(
            FileNotFoundError,
            match=r'configs/segmif_demo.py not found in .*absent'
            r'.*not a clone.*pip wheel'):
        find_resource('configs/segmif_demo.py')


def test_missing_resource_names_the_places_searched():
    with pytest.raises(
            FileNotFoundError, match=f'configs/nope.py not found in {REPO}'):
        find_resource('configs/nope.py')
