import importlib.util
from pathlib import Path

REPO = Path(__file__).parents[2]
TINY = REPO / 'tests' / 'configs' / 'segmif_tiny.py'


def test_fast_path_diff_on_the_tiny_model():
    spec = importlib.util.spec_from_file_location(
        'fast_path_diff', REPO / 'tools' / 'analysis' / 'fast_path_diff.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    diffs = tool.main([str(TINY), '--shape', '40', '48', '--threads', '1'])
    assert set(diffs) == {'fused_rgb', 'seg_logits'}
    assert max(diffs.values()) < 1e-4
