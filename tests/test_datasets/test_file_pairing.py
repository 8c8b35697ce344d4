from pathlib import Path

import pytest

from segmif_mm.datasets import list_images, match_by_name


def touch(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b'x')


def test_list_images_rule(tmp_path):
    touch(tmp_path, 'a.png', 'b.PNG', 'x.png', 'x.jpg', '.a.123.tmp.png',
          'notes.txt', 'day/c.jpg')
    images, problems = list_images(str(tmp_path))
    # sub-folders count, suffixes in any letter case, hidden files do not
    assert images == {
        'a': str(tmp_path / 'a.png'),
        'b': str(tmp_path / 'b.PNG'),
        'day/c': str(tmp_path / 'day' / 'c.jpg')
    }
    assert problems == [('x', f'{tmp_path} holds 2 images named x (x.jpg, '
                         'x.png); keep one, or choose one by its suffix')]
    # a chosen suffix decides
    images, problems = list_images(str(tmp_path), '.JPG')
    assert images == dict(
        x=str(tmp_path / 'x.jpg'),
        **{'day/c': str(tmp_path / 'day' / 'c.jpg')})
    assert problems == []
    with pytest.raises(FileNotFoundError, match='is not a folder'):
        list_images(str(tmp_path / 'missing'))
    touch(tmp_path / 'empty', 'notes.txt')
    with pytest.raises(ValueError, match='holds no images'):
        list_images(str(tmp_path / 'empty'))


def test_match_by_name_names_every_problem(tmp_path):
    ir, vis, fused = tmp_path / 'ir', tmp_path / 'vis', tmp_path / 'fused'
    touch(ir, 'good.png', 'A.png', 'only_ir.png', 'dup.png', 'd/e.png')
    touch(vis, 'good.jpg', 'a.PNG', 'dup.png', 'dup.jpg', 'd/e.jpg')
    touch(fused, 'good.png', 'A.png', 'dup.png', 'd/e.png')
    matching = match_by_name(dict(ir=str(ir), vis=str(vis), fused=str(fused)))
    assert matching.matched == [('d/e',
                                 dict(
                                     ir=str(ir / 'd' / 'e.png'),
                                     vis=str(vis / 'd' / 'e.jpg'),
                                     fused=str(fused / 'd' / 'e.png'))),
                                ('good',
                                 dict(
                                     ir=str(ir / 'good.png'),
                                     vis=str(vis / 'good.jpg'),
                                     fused=str(fused / 'good.png')))]
    problems = dict(matching.problems)
    assert [name
            for name, _ in matching.problems] == ['A', 'a', 'dup', 'only_ir']
    assert problems['A'] == (
        f'no vis image named A in {vis} (a.PNG differs only in letter case: '
        'rename one so the names match exactly)')
    assert problems['a'].startswith(f'no ir image named a in {ir} (A.png')
    assert 'no fused image named a' in problems['a']
    assert problems['dup'] == (f'{vis} holds 2 images named dup (dup.jpg, '
                               'dup.png); keep one, or choose one by its '
                               'suffix')
    assert problems['only_ir'] == (
        f'no vis image named only_ir in {vis}; no fused image named only_ir '
        f'in {fused}')
    # a suffix per folder
    chosen = match_by_name(
        dict(ir=str(ir), vis=str(vis)), suffixes=dict(vis='.png'))
    assert ('dup', dict(ir=str(ir / 'dup.png'),
                        vis=str(vis / 'dup.png'))) in chosen.matched
    with pytest.raises(FileNotFoundError, match='The vis image folder'):
        match_by_name(dict(ir=str(ir), vis=str(tmp_path / 'nope')))
