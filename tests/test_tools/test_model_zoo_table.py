import copy
import json
from pathlib import Path

import pytest
from mmengine.fileio import load

from segmif_mm.apis import load_model_index
from tools.misc.model_zoo_table import (END, START, dump_metafile,
                                        render_table, replace_section,
                                        update_model)

REPO = Path(__file__).resolve().parents[2]
METAFILE = REPO / 'configs' / 'segmif' / 'metafile.yaml'
SHIPPED = 'segmif_mit-b3_1xb4-fusion-only-300-ratio_roadscene-96x96'


def test_readme_table_matches_the_metafiles(run_tool, capsys):
    run_tool('misc/model_zoo_table.py', '--check')
    assert 'matches the metafiles' in capsys.readouterr().out
    readme = (REPO / 'README.md').read_text(encoding='utf-8')
    table = readme[readme.index(START) + len(START):readme.index(END)]
    rows = [line for line in table.splitlines() if line.startswith('| [')]
    assert [row[3:row.index(']')] for row in rows] == list(load_model_index())
    shipped = next(row for row in rows if row.startswith(f'| [{SHIPPED}]'))
    assert 'EN 7.437, SD 47.4, SF 14.29, SCD 1.381' in shipped
    assert 'RoadScene eval' in shipped and '700; 1x CPU' in shipped


def test_check_fails_on_a_stale_readme(run_tool, tmp_path, capsys):
    readme = tmp_path / 'README.md'
    readme.write_text(f'intro\n{START}\n| old |\n{END}\nrest\n')
    with pytest.raises(SystemExit) as exit_info:
        run_tool('misc/model_zoo_table.py', '--check', '--readme', readme)
    assert exit_info.value.code == 1
    assert 'differs from the metafiles' in capsys.readouterr().out
    run_tool('misc/model_zoo_table.py', '--write', '--readme', readme)
    text = readme.read_text()
    assert text.startswith('intro\n') and text.endswith(f'{END}\nrest\n')
    assert render_table(load_model_index()) in text
    with pytest.raises(ValueError, match='lacks the lines'):
        replace_section('no markers', '| t |', 'README.md')


def test_update_sets_results_and_training_facts(tmp_path):
    metafile = load(str(METAFILE))
    original = copy.deepcopy(metafile)
    scores = dict(
        num_images=41, mean=dict(EN=7.51234, SD=48.0449, SF=15.0, SCD=1.40049))
    update_model(metafile, SHIPPED, scores, None, 1200, '1x H200 GPU')
    model = next(m for m in metafile['Models'] if m['Name'] == SHIPPED)
    assert model['Metadata']['Training Iterations'] == 1200
    assert model['Metadata']['Training Resources'] == '1x H200 GPU'
    assert model['Results'] == [
        dict(
            Task='Image Fusion',
            Dataset='RoadScene eval (last 41 of 221 pairs)',
            Metrics=dict(EN=7.512, SD=48.04, SF=15.0, SCD=1.4))
    ]
    untouched = [m for m in metafile['Models'] if m['Name'] != SHIPPED]
    assert untouched == [m for m in original['Models'] if m['Name'] != SHIPPED]
    # a model without fusion results needs the set named
    with pytest.raises(ValueError, match='--dataset'):
        update_model(metafile, 'segmif_mit-b3_1xb8-alt8r_fmb-360x360', scores,
                     None, None, None)
    with pytest.raises(KeyError, match='No model'):
        update_model(metafile, 'nope', None, None, None, None)
    # written as the committed metafile is
    path = tmp_path / 'metafile.yaml'
    dump_metafile(original, path)
    assert path.read_text() == METAFILE.read_text()
    assert json.loads(json.dumps(load(str(path)))) == original
