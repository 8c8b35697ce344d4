import runpy
from pathlib import Path

import pytest
from mmengine.analysis import parameter_count

from segmif_mm.apis import init_model

REPO = Path(__file__).parents[2]
TOOL = runpy.run_path(str(REPO / 'tools' / 'analysis' / 'get_flops.py'))
PARTS = ('guidance', 'fusion', 'segmentation')
SHAPES = [(32, 40), (48, 64)]


@pytest.fixture(scope='module')
def tiny_model():
    return init_model(str(REPO / 'tests' / 'configs' / 'segmif_tiny.py'))


def test_parts_add_up_to_the_total(tiny_model):
    small, large = (
        TOOL['part_complexity'](tiny_model, shape) for shape in SHAPES)
    for result in (small, large):
        assert all(result[name]['flops'] > 0 for name in (*PARTS, 'total'))
        assert sum(result[name]['flops']
                   for name in PARTS) == result['total']['flops']
    for name in (*PARTS, 'total'):
        assert large[name]['flops'] > small[name]['flops'], name
        assert large[name]['params'] == small[name]['params'], name

    params = {name: small[name]['params'] for name in (*PARTS, 'total')}
    counts = parameter_count(tiny_model)
    assert params['fusion'] == counts['fusion_head']
    assert params['segmentation'] == counts['backbone'] + counts['decode_head']
    assert params['guidance'] == counts['backbone.layers.0'] + counts[
        'backbone.layers.1']
    # Guidance and segmentation share the backbone's first two stages.
    assert params['total'] == counts[
        ''] == params['fusion'] + params['segmentation']


def test_guidance_from_fused_image_runs_the_fusion_head_twice(tiny_model):
    tiny_model.guidance_source = 'fused'
    try:
        result = TOOL['part_complexity'](tiny_model, SHAPES[0])
    finally:
        tiny_model.guidance_source = 'visible'
    visible = TOOL['part_complexity'](tiny_model, SHAPES[0])
    assert result['fusion'] == visible['fusion']
    assert result['guidance']['flops'] > visible['guidance']['flops'] + \
        visible['fusion']['flops'] * 0.9
    assert sum(result[name]['flops']
               for name in PARTS) == result['total']['flops']


def test_parse_shapes():
    assert TOOL['parse_shapes']([480, 640, 600, 800]) == [(480, 640),
                                                          (600, 800)]
    assert TOOL['parse_shapes']([64]) == [(64, 64)]
    with pytest.raises(ValueError, match='pairs H W'):
        TOOL['parse_shapes']([480, 640, 600])


def test_command_line_table(tiny_config, run_tool, capsys):
    run_tool('analysis/get_flops.py', tiny_config, '--shape', 32, 40, 48, 64)
    printed = capsys.readouterr().out
    for text in ('GFLOPs 40x32', 'GFLOPs 64x48', 'params (M)',
                 'guidance (backbone stages 1-2)', 'fusion (fusion head',
                 'segmentation (backbone + decode head)', 'total (model',
                 'Parameters of the whole model', 'Not counted'):
        assert text in printed
