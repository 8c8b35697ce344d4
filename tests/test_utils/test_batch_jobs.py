import os
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from segmif_mm.utils import (BatchReport, collect_pairs, images_by_stem,
                             imwrite_atomically, load_keep_going,
                             match_by_stem, write_atomically)


def touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b'x')


def test_images_by_stem_reports_ambiguous_names_and_skips_hidden(tmp_path):
    touch(tmp_path, 'a.png', 'b.PNG', 'x.png', 'x.jpg', '.a.123.tmp.png',
          'notes.txt')
    images, problems = images_by_stem(str(tmp_path))
    assert images == dict(a=str(tmp_path / 'a.png'), b=str(tmp_path / 'b.PNG'))
    assert problems == [('x', f'{tmp_path} holds 2 images named x (x.jpg, '
                         'x.png); keep one, or rename the others')]
    with pytest.raises(FileNotFoundError, match='is not a folder'):
        images_by_stem(str(tmp_path / 'missing'))
    touch(tmp_path / 'empty', 'notes.txt')
    with pytest.raises(ValueError, match='contains no images'):
        images_by_stem(str(tmp_path / 'empty'))


def test_match_by_stem_names_every_problem(tmp_path):
    ir, vis, fused = tmp_path / 'ir', tmp_path / 'vis', tmp_path / 'fused'
    touch(ir, 'good.png', 'A.png', 'only_ir.png', 'dup.png')
    touch(vis, 'good.jpg', 'a.PNG', 'dup.png', 'dup.jpg')
    touch(fused, 'good.png', 'A.png', 'dup.png')
    matching = match_by_stem(dict(ir=str(ir), vis=str(vis), fused=str(fused)))
    assert matching.matched == [('good',
                                 dict(
                                     ir=str(ir / 'good.png'),
                                     vis=str(vis / 'good.jpg'),
                                     fused=str(fused / 'good.png')))]
    problems = dict(matching.problems)
    assert sorted(problems) == ['A', 'a', 'dup', 'only_ir']
    assert problems['A'] == (
        f'no vis image named A in {vis} (a.PNG differs only in letter case: '
        'rename one so the names match exactly)')
    assert problems['a'].startswith(f'no ir image named a in {ir} (A.png')
    assert 'no fused image named a' in problems['a']
    assert problems['dup'] == (f'{vis} holds 2 images named dup (dup.jpg, '
                               'dup.png); keep one, or rename the others')
    assert problems['only_ir'] == (
        f'no vis image named only_ir in {vis}; no fused image named only_ir '
        f'in {fused}')


def test_collect_pairs_files_and_folders(tmp_path):
    touch(tmp_path / 'ir', 'p.png')
    touch(tmp_path / 'vi', 'p.jpg')
    single = collect_pairs(
        str(tmp_path / 'ir' / 'p.png'), str(tmp_path / 'vi' / 'p.jpg'))
    assert single.matched == [('p',
                               dict(
                                   ir=str(tmp_path / 'ir' / 'p.png'),
                                   vis=str(tmp_path / 'vi' / 'p.jpg')))]
    assert single.problems == []
    assert collect_pairs(str(tmp_path / 'ir'),
                         str(tmp_path / 'vi')).matched == single.matched
    with pytest.raises(ValueError, match='both be files or both be folders'):
        collect_pairs(str(tmp_path / 'ir'), str(tmp_path / 'vi' / 'p.jpg'))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        collect_pairs(str(tmp_path / 'nope'), str(tmp_path / 'vi'))


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


def test_imwrite_atomically(tmp_path, monkeypatch):
    image = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    imwrite_atomically(str(tmp_path / 'a.png'), image)
    np.testing.assert_array_equal(cv2.imread(str(tmp_path / 'a.png')), image)
    # OpenCV reports some failures (e.g. a full disk) by returning False
    monkeypatch.setattr(cv2, 'imwrite', lambda *args: False)
    with pytest.raises(OSError, match='could not write .*b.png'):
        imwrite_atomically(str(tmp_path / 'b.png'), image)
    assert os.listdir(tmp_path) == ['a.png']


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


def load_square(value):
    if value < 0:
        raise ValueError(f'negative {value}')
    return value * value


@pytest.mark.parametrize('num_workers', [0, 2])
def test_load_keep_going(num_workers):
    items = [('a', 2), ('b', -1), ('c', 3)]
    assert list(load_keep_going(items, load_square, num_workers)) == [
        ('a', 4, None), ('b', None, 'ValueError: negative -1'), ('c', 9, None)
    ]


def test_batch_report(tmp_path, capsys):
    report = BatchReport('pairs')
    with report.attempt('a'):
        pass
    with report.attempt('b'):
        raise OSError('visible image b.png is empty\n  re-export it')
    (tmp_path / 'c.png').write_bytes(b'x')
    assert report.skip_existing('c', [str(tmp_path / 'c.png')])
    assert not report.skip_existing(
        'd', [str(tmp_path / 'c.png'),
              str(tmp_path / 'd.png')])
    assert not report.skip_existing('e', [])
    report.add_problems([('f', 'no vis image named f in vi/')])
    with pytest.raises(KeyboardInterrupt):
        with report.attempt('g'):
            raise KeyboardInterrupt
    assert capsys.readouterr().err == (
        '\nFailed: b: OSError: visible image b.png is empty re-export it\n'
        '\nFailed: f: no vis image named f in vi/\n')
    assert report.summary() == (
        '1 pairs done, 1 skipped, 2 failed\n'
        '  skipped: c: output exists (--skip-existing)\n'
        '  failed: b: OSError: visible image b.png is empty re-export it\n'
        '  failed: f: no vis image named f in vi/')
    assert report.as_dict() == dict(
        num_done=1,
        num_skipped=1,
        num_failed=2,
        skipped=dict(c='output exists (--skip-existing)'),
        failed=dict(
            b='OSError: visible image b.png is empty re-export it',
            f='no vis image named f in vi/'))
    assert report.exit_code == 1
    with pytest.raises(SystemExit) as exc:
        report.exit()
    assert exc.value.code == 1

    clean = BatchReport(echo=False)
    clean.done('x')
    assert clean.exit_code == 0
    clean.exit()  # returns
