import importlib.util
from pathlib import Path

REPO = Path(__file__).parents[2]
TINY = REPO / 'tests' / 'configs' / 'segmif_tiny.py'


def test_cpu_conversion_diff_on_the_tiny_model():
    spec = importlib.util.spec_from_file_location(
        'cpu_conversion_diff',
        REPO / 'tools' / 'analysis' / 'cpu_conversion_diff.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    diffs = tool.main([str(TINY), '--shape', '40', '48', '--threads', '1'])
    assert set(diffs) == {
        'fused_rgb', 'fused_grey_levels', 'seg_logits', 'label_agreement'
    }
    assert diffs['fused_rgb'] < 1e-4 and diffs['seg_logits'] < 1e-4
    assert diffs['label_agreement'] == 1.0
