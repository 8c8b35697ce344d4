"""setup.py ships configs/, tools/, demo/, model-index.yml and the weights as
segmif_mm/.mim, and a wheel finds them without the clone."""
import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from segmif_mm.apis import DEFAULT_FUSION_CHECKPOINT

REPO = Path(__file__).resolve().parents[1]
SOURCES = ('setup.py', 'MANIFEST.in', 'README.md', 'model-index.yml',
           'requirements', 'segmif_mm', 'configs', 'tools', 'demo',
           'checkpoints')


def copy_repo(target: Path) -> Path:
    """The files a build needs (no .git, caches or generated .mim)."""
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc', '.mim',
                                    '*.egg-info')
    target.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copyfile(source, target / name)
    return target


def load_setup(root: Path):
    spec = importlib.util.spec_from_file_location('setup_under_test',
                                                  root / 'setup.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # __name__ is not '__main__': no setup()
    return module


def test_mim_mode_follows_the_setup_command():
    setup = load_setup(REPO)
    assert setup.mim_mode(['setup.py', 'bdist_wheel', '-d', 'x']) == 'copy'
    assert setup.mim_mode(['setup.py', 'sdist']) == 'copy'
    assert setup.mim_mode(['setup.py', 'editable_wheel']) == 'symlink'
    assert setup.mim_mode(['setup.py', 'develop']) == 'symlink'
    assert setup.mim_mode(['setup.py', 'egg_info']) == ''


def test_links_for_editable_installs_and_fresh_copies(tmp_path):
    root = tmp_path / 'repo'
    root.mkdir()
    shutil.copyfile(REPO / 'setup.py', root / 'setup.py')
    (root / 'segmif_mm').mkdir()
    (root / 'configs').mkdir()
    (root / 'configs' / 'a.py').write_text('a = 1\n')
    (root / 'tools' / '__pycache__').mkdir(parents=True)
    (root / 'tools' / 'train.py').write_text('')
    (root / 'tools' / '__pycache__' / 'train.cpython-311.pyc').write_text('')
    (root / 'demo').mkdir()
    (root / 'demo' / 'image_demo.py').write_text('')
    (root / 'model-index.yml').write_text('Import: []\n')
    (root / 'checkpoints').mkdir()
    (root / 'checkpoints' / 'w.pth').write_bytes(b'w')
    setup = load_setup(root)
    mim = root / 'segmif_mm' / '.mim'

    assert setup.add_mim_extension('symlink')
    for name in setup.MIM_FILES:
        assert (mim / name).is_symlink()
        assert (mim / name).resolve() == (root / name).resolve()

    # a copy replaces the links, leaves caches out and drops what the clone
    # no longer has (here an old checkpoint of an earlier build)
    stale = root / 'build' / 'lib' / 'segmif_mm' / '.mim' / 'checkpoints'
    stale.mkdir(parents=True)
    (stale / 'old.pth').write_bytes(b'old')
    assert setup.add_mim_extension('copy')
    assert not (mim / 'configs').is_symlink()
    assert (mim / 'configs' / 'a.py').read_text() == 'a = 1\n'
    assert (mim / 'checkpoints' / 'w.pth').read_bytes() == b'w'
    assert not (mim / 'tools' / '__pycache__').exists()
    assert not stale.exists()

    # an unpacked sdist has no configs/ of its own: its .mim stays
    shutil.rmtree(root / 'configs')
    assert not setup.add_mim_extension('copy')
    assert (mim / 'configs' / 'a.py').is_file()


def test_wheel_runs_without_the_clone(tmp_path):
    source = copy_repo(tmp_path / 'src')
    subprocess.run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps',
        '--no-build-isolation', '--no-cache-dir', '-q',
        str(source), '-w',
        str(tmp_path / 'dist')
    ],
                   check=True,
                   cwd=tmp_path)
    # the copies went into the wheel, not into the source tree
    assert not (source / 'segmif_mm' / '.mim').exists()
    wheel, = (tmp_path / 'dist').glob('segmif_mm-*.whl')
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / 'site')
    for path in ('model-index.yml', 'configs/segmif/metafile.yaml',
                 'configs/segmif_demo.py', 'tools/train.py', 'tools/test.py',
                 'tools/misc/make_demo_data.py', 'demo/video_demo.py',
                 DEFAULT_FUSION_CHECKPOINT):
        assert f'segmif_mm/.mim/{path}' in names, path
    assert not [n for n in names if n.endswith('.pyc') or 'tests/' in n]

    # the unpacked wheel, imported from elsewhere, finds its own resources
    code = ('from segmif_mm.apis import DEFAULT_FUSION_CHECKPOINT, '
            'load_model_index\n'
            'from segmif_mm.utils import find_resource, resource_roots\n'
            'print(resource_roots())\n'
            'print(find_resource(DEFAULT_FUSION_CHECKPOINT))\n'
            'print(len(load_model_index()))\n')
    env = {'PATH': '/usr/bin:/bin', 'PYTHONPATH': str(tmp_path / 'site')}
    found = subprocess.run([sys.executable, '-c', code],
                           cwd=tmp_path,
                           env=env,
                           capture_output=True,
                           text=True,
                           check=True).stdout.splitlines()
    mim = tmp_path / 'site' / 'segmif_mm' / '.mim'
    assert found[-3] == f'[{mim!r}]'
    assert found[-2] == str(mim / DEFAULT_FUSION_CHECKPOINT)
    assert int(found[-1]) == len(
        list((REPO / 'configs' / 'segmif').glob('*.py')))
