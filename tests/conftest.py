"""Fixtures shared across the test suite: a tiny SegMiF and tiny demo data."""
import copy
import runpy
import sys
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]
# tools/ and projects/ are imported as namespace packages from the checkout.
sys.path.insert(0, str(REPO))

from segmif_mm.apis import init_model  # noqa: E402
from segmif_mm.utils import trust_local_checkpoints  # noqa: E402
from tools.misc.make_demo_data import generate_demo_dataset  # noqa: E402

# The suite resumes and tests checkpoints it wrote itself, as the tools do.
trust_local_checkpoints()

REAL_DATA = REPO.parent / 'shared' / 'data' / 'real'

TINY_CONFIG = REPO / 'tests' / 'configs' / 'segmif_tiny.py'


def load_tiny_segmif() -> dict:
    """The tiny SegMiF of ``tests/configs/segmif_tiny.py`` for training tests:
    random init (no pretrained file) and no dropout, so runs are
    reproducible."""
    model = Config.fromfile(str(TINY_CONFIG)).model.to_dict()
    model['backbone'].pop('init_cfg')
    model['decode_head']['dropout_ratio'] = 0.0
    return model


TINY_SEGMIF = load_tiny_segmif()


def pytest_configure(config):
    config.addinivalue_line('markers',
                            'cuda: needs a CUDA device (skipped without one)')


def pytest_collection_modifyitems(config, items):
    """Skip ``@pytest.mark.cuda`` tests where CUDA is unavailable: they
    check the device paths on a GPU machine; CPU-only CI runs the rest."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason='needs a CUDA device')
    for item in items:
        if 'cuda' in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def one_thread() -> None:
    """One intra-op thread in every test: the suite shares 2 cores with its
    own subprocesses, so this avoids oversubscription (results are the
    same); set per test because tools run in-process may change it."""
    torch.set_num_threads(1)


@pytest.fixture
def tiny_config(tmp_path: Path) -> Path:
    """The tiny SegMiF config written to ``tmp_path``."""
    path = tmp_path / 'segmif_tiny.py'
    Config.fromfile(str(TINY_CONFIG)).dump(str(path))
    return path


@pytest.fixture
def tiny_checkpoint(tiny_config: Path, tmp_path: Path) -> Path:
    """A randomly initialised checkpoint of the tiny config, with the demo
    dataset's classes and palette in its meta."""
    torch.manual_seed(0)
    model = init_model(str(tiny_config))
    path = tmp_path / 'segmif_tiny.pth'
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=model.dataset_meta)), path)
    return path


@pytest.fixture
def run_script(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Run a script of the checkout (e.g. ``'demo/image_demo.py'``)
    in-process with the given arguments."""

    def run(script: str, *args) -> None:
        path = REPO / script
        monkeypatch.setattr(sys, 'argv', [str(path), *map(str, args)])
        runpy.run_path(str(path), run_name='__main__')

    return run


def _write_video(path: Path,
                 frames: List[np.ndarray],
                 fps: float = 10) -> None:
    """Write uint8 B, G, R (or grey) frames of one size with ``mp4v``."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
    for frame in frames:
        writer.write(frame if frame.ndim ==
                     3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()


def _read_video(path: Path) -> List[np.ndarray]:
    """Every frame of a video, decoded by OpenCV (B, G, R)."""
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


@pytest.fixture
def video_io() -> Tuple[Callable, Callable]:
    """``(write_video(path, frames, fps=10), read_video(path))`` for tests
    of video inputs."""
    return _write_video, _read_video


@pytest.fixture
def tiny_segmif_cfg() -> dict:
    """A SegMiF small enough for CPU unit tests (4 demo classes)."""
    return copy.deepcopy(TINY_SEGMIF)


@pytest.fixture(scope='session')
def demo_data_root(tmp_path_factory) -> Path:
    """A small copy of the procedural demo dataset (64 x 80 frames)."""
    root = tmp_path_factory.mktemp('segmif_demo')
    generate_demo_dataset(str(root), num_train=8, num_test=4, size=(64, 80))
    return root


@pytest.fixture(scope='session')
def tiny_run(tmp_path_factory, demo_data_root: Path) -> Path:
    """The work directory of a tiny alternating run: 2 rounds of 2 fusion
    and 3 segmentation iterations, validated after each round, logged every
    iteration to ``vis_data/scalars.json``, with ``iter_10.pth``."""
    from mmengine.runner import Runner
    alternating_train_config = runpy.run_path(
        str(REPO / 'tests' / 'test_engine' /
            'training_helpers.py'))['alternating_train_config']
    work_dir = tmp_path_factory.mktemp('tiny_run')
    cfg = alternating_train_config(
        work_dir,
        demo_data_root,
        copy.deepcopy(TINY_SEGMIF),
        checkpoint_interval=10)
    cfg.visualizer = dict(
        type='FusionSegLocalVisualizer',
        vis_backends=[dict(type='LocalVisBackend')],
        name='tiny_run_visualizer')
    test_cfg = Config.fromfile(str(TINY_CONFIG))
    cfg.val_dataloader = test_cfg.test_dataloader
    cfg.val_dataloader.dataset.data_root = str(demo_data_root)
    cfg.val_cfg = dict(type='ValLoop')
    cfg.val_evaluator = [
        dict(
            type='MultiProtocolIoUMetric',
            protocols=dict(all=[], no_background=['background'])),
        dict(type='FusionQualityMetric')
    ]
    Runner.from_cfg(cfg).train()
    return work_dir


@pytest.fixture
def real_data() -> Path:
    """The real IR/VIS samples beside the checkout, or skip."""
    if not REAL_DATA.is_dir():
        pytest.skip(f'real samples not found at {REAL_DATA} (CI provides '
                    '../shared/data/real beside the checkout)')
    return REAL_DATA


@pytest.fixture
def broken_demo_split(tmp_path) -> Tuple[Path, Dict[str, List[str]]]:
    """A demo train split of 8 samples, 6 of them broken in a different way
    each (one sample twice), and the problems a data check must report.

    Returns:
        tuple[Path, dict[str, list[str]]]: The data root, and per broken
        sample the regular expressions of its problems, in order.
    """
    root = tmp_path / 'broken_demo'
    names = generate_demo_dataset(
        str(root), num_train=8, num_test=1, size=(64, 80))['train']
    split = root / 'train'
    vi, ir, labels = split / 'vi', split / 'ir', split / 'labels'
    (vi / f'{names[0]}.png').write_bytes(b'not an image')
    (ir / f'{names[1]}.png').rename(ir / f'{names[1].lower()}.png')
    image = cv2.imread(str(ir / f'{names[2]}.png'), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(ir / f'{names[2]}.png'), image[:-4])
    label = cv2.imread(str(labels / f'{names[3]}.png'), cv2.IMREAD_UNCHANGED)
    label[0, :3] = (9, 17, 255)
    cv2.imwrite(str(labels / f'{names[3]}.png'), label)
    (labels / f'{names[4]}.png').write_bytes(b'')
    data = (vi / f'{names[5]}.png').read_bytes()
    (vi / f'{names[5]}.png').write_bytes(data[:len(data) // 2])
    cv2.imwrite(str(labels / f'{names[5]}.png'), label[:, :-1])
    problems = {
        names[0]: [
            rf'UndecodableImageFileError: Visible image '
            rf'\S+/{names[0]}.png cannot be decoded'
        ],
        names[1]: [
            rf'MissingImageFileError: Infrared image '
            rf'\S+/{names[1]}.png does not exist. '
            rf'{names[1].lower()}.png exists beside it'
        ],
        names[2]: [
            rf'ValueError: Infrared image \S+/{names[2]}.png is 60x80 '
            r'\(HxW\) but visible image'
        ],
        names[3]: [
            rf'ValueError: Label file \S+/{names[3]}.png contains '
            r'class ids \[9, 17\] outside'
        ],
        names[4]:
        [rf'EmptyImageFileError: Label file \S+/{names[4]}.png is '
         'empty'],
        names[5]: [
            rf'TruncatedImageFileError: Visible image '
            rf'\S+/{names[5]}.png is truncated',
            rf'ValueError: Label file \S+/{names[5]}.png is 64x79 '
            r'\(HxW\) but image \S+ is 64x80'
        ],
    }
    return root, problems
