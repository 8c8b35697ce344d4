from pathlib import Path

import pytest

from segmif_mm.apis import BatchReport, collect_pairs, load_keep_going


def touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b'x')


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
    report = BatchReport('pairs', echo=True)
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

    quiet = BatchReport()
    quiet.failed('x', 'broken')
    quiet.done('y')
    assert capsys.readouterr().err == ''
    assert quiet.exit_code == 1
    clean = BatchReport()
    clean.done('x')
    assert clean.exit_code == 0
