import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import cv2
import mmcv
import mmengine
import numpy as np
import pytest
from mmengine.fileio import LocalBackend, get_file_backend

from segmif_mm.utils import (AtomicLocalBackend, atomic_backend_args,
                             temporary_pattern, write_atomically)


def test_write_atomically_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / 'sub' / 'out.png'

    def fail(tmp):
        Path(tmp).write_bytes(b'half')
        raise RuntimeError('encoder died')

    with pytest.raises(RuntimeError):
        write_atomically(str(target), fail)
    assert list((tmp_path / 'sub').iterdir()) == []

    seen = []
    write_atomically(
        str(target),
        lambda tmp: seen.append(tmp) or Path(tmp).write_text('ok'),
        fsync=True)
    assert target.read_text() == 'ok'
    assert Path(seen[0]).name.startswith('.out.')
    assert seen[0].endswith('.tmp.png')
    assert os.listdir(tmp_path / 'sub') == ['out.png']
    # the pattern finds the temporary files of a name, wildcards included
    assert Path(seen[0]).match(temporary_pattern(str(target)))
    assert Path(seen[0]).match(
        temporary_pattern(str(tmp_path / 'sub' / 'o*.png')))
    assert not (tmp_path / 'out.png').match(temporary_pattern(str(target)))


def test_killed_writer_leaves_no_partial_file(tmp_path):
    """SIGKILL in the middle of a write: the final name never appears."""
    target = tmp_path / 'out.bin'
    code = ('import os, signal, sys\n'
            'from segmif_mm.utils import write_atomically\n'
            'def write(tmp):\n'
            '    with open(tmp, "wb") as f:\n'
            '        f.write(b"x" * 1000)\n'
            '        f.flush()\n'
            '        os.kill(os.getpid(), signal.SIGKILL)\n'
            f'write_atomically({str(target)!r}, write)\n')
    result = subprocess.run([sys.executable, '-c', code],
                            env=dict(
                                os.environ,
                                PYTHONPATH=str(Path(__file__).parents[2])))
    assert result.returncode == -signal.SIGKILL
    assert not target.exists()
    leftovers = os.listdir(tmp_path)
    assert len(leftovers) == 1 and leftovers[0].startswith('.out.')


def test_backend_args_choose_the_atomic_backend_for_local_paths():
    local = atomic_backend_args('out/a.png', fsync=True)
    assert local == dict(backend='atomic_local', fsync=True)
    backend = get_file_backend('out/a.png', backend_args=local)
    assert isinstance(backend, AtomicLocalBackend) and backend.fsync
    # remote storage and an explicit choice are left alone
    assert atomic_backend_args('s3://bucket/a.png') is None
    petrel = dict(backend='petrel')
    assert atomic_backend_args('out/a.png', petrel) is petrel


def test_mmcv_and_mmengine_writers_go_through_it(tmp_path, monkeypatch):
    image = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    png = str(tmp_path / 'fused' / 'a.png')
    mmcv.imwrite(image, png, backend_args=atomic_backend_args(png))
    np.testing.assert_array_equal(cv2.imread(png), image)
    report = str(tmp_path / 'report.json')
    mmengine.dump(
        dict(a=1), report, backend_args=atomic_backend_args(report), indent=2)
    assert mmengine.load(report) == dict(a=1)

    # a write that dies half-way leaves the previous file intact
    def die(self, obj, filepath):
        Path(filepath).write_bytes(obj[:len(obj) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalBackend, 'put', die)
    with pytest.raises(KeyboardInterrupt):
        mmcv.imwrite(image[::-1], png, backend_args=atomic_backend_args(png))
    np.testing.assert_array_equal(cv2.imread(png), image)
    assert sorted(os.listdir(tmp_path / 'fused')) == ['a.png']


def test_written_files_get_the_usual_permissions(tmp_path):
    previous = os.umask(0o027)
    try:
        write_atomically(
            str(tmp_path / 'a.txt'), lambda tmp: Path(tmp).write_text('a'))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / 'a.txt').stat().st_mode) == 0o640
