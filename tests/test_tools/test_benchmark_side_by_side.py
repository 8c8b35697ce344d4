import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
TOOL = REPO / 'tools' / 'analysis' / 'benchmark_side_by_side.py'
spec = importlib.util.spec_from_file_location('side_by_side', TOOL)
side_by_side = importlib.util.module_from_spec(spec)
spec.loader.exec_module(side_by_side)


@pytest.fixture
def official(tmp_path: Path) -> Path:
    """A stand-in for the authors' harness: prints its result line."""
    (tmp_path / 'official' / 'core').mkdir(parents=True)
    script = tmp_path / 'time_official.py'
    script.write_text(
        'import sys\n'
        'print(f"official {sys.argv[2]}x{sys.argv[3]} median_s 0.500 '
        'min_s 0.400 peak_rss_mib 100")\n')
    return tmp_path


def test_interleaved_rounds_table_and_append(official, tmp_path, capsys):
    """Rounds of ours (fp32, bf16) and theirs, interleaved; --append adds
    the rounds of a later call; busy rounds are left out."""
    out = tmp_path / 'rounds.json'
    args = [
        '--official-root',
        str(official / 'official'), '--official-script',
        str(official / 'time_official.py'), '--config',
        str(REPO / 'tests' / 'configs' / 'segmif_tiny.py'), '--shape', '16',
        '16', '--threads', '1', '--runs', '1', '--rounds', '1', '--append',
        str(out), '--max-other-cpus', '1000'
    ]
    side_by_side.main(args)
    report = side_by_side.main(args)
    assert report == json.loads(out.read_text())
    assert len(report['rounds']) == 2 and report['quiet_rounds'] == [1, 2]
    for result in report['rounds']:
        assert set(result) == {'ours_fp32', 'theirs'}
        assert result['theirs']['median_s'] == 0.5
        assert result['ours_fp32']['median_s'] > 0
    fp32 = report['summary']['ours_fp32']
    assert fp32['ratio'] == pytest.approx(fp32['median_s'] / 0.5)
    printed = capsys.readouterr().out
    assert 'family/model' in printed and '| theirs | 0.50 | 0.50 |' in printed

    report['rounds'][0]['theirs']['other_cpus'] = 2000.0  # a busy round
    out.write_text(json.dumps(report))
    report = side_by_side.main(args[:-6] + ['--rounds', '0'] + args[-4:])
    assert report['quiet_rounds'] == [2]
    assert '0.50*' in capsys.readouterr().out


def test_other_settings_are_not_appended(official, tmp_path):
    out = tmp_path / 'rounds.json'
    out.write_text(json.dumps(dict(settings=dict(threads=8), rounds=[])))
    with pytest.raises(ValueError, match='other settings'):
        side_by_side.main([
            '--official-root',
            str(official / 'official'), '--official-script',
            str(official / 'time_official.py'), '--append',
            str(out)
        ])
