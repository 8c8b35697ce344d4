"""Regression test of the shipped fusion weights on real pairs.

On RoadScene pairs of the evaluation split (which training never sees), the
shipped network (``init_fusion_model()`` with its defaults) must beat the
plainest fusion, the pixel average of the grey sources, on the information
(EN), contrast (SD) and complementary-information (SCD) metrics. Only the
comparison is fixed, not the values, so the test holds for any better
weights.
"""
import pytest
import torch

from segmif_mm.apis import fuse_pair, init_fusion_model
from segmif_mm.datasets.transforms import LoadMultiModalImages
from segmif_mm.evaluation.functional import fusion_metrics, rgb_to_gray

#: The RoadScene evaluation split: the last 41 pairs by sorted file name
#: (``../shared/data/real/README.md``).
ROADSCENE_EVAL_PAIRS = 41
#: Positions in that split of its three smallest pairs (178x368, 191x416,
#: 235x360 pixels), to keep the test fast.
SMALLEST_EVAL_PAIRS = (5, 17, 20)
METRICS = ('EN', 'SD', 'SCD')


@pytest.fixture(scope='module')
def shipped_model():
    return init_fusion_model()


def eval_pair(real_data, index):
    """IR and visible paths of pair ``index`` of the evaluation split."""
    root = real_data / 'roadscene'
    names = sorted(path.name for path in (root / 'vi').iterdir())
    name = names[-ROADSCENE_EVAL_PAIRS:][index]
    return str(root / 'ir' / name), str(root / 'vi' / name)


def grey(rgb):
    """uint8 ``[H, W]`` from an R, G, B ``(H, W, 3)`` array."""
    return rgb_to_gray(torch.from_numpy(rgb).permute(2, 0, 1).contiguous())


@pytest.mark.parametrize('index', SMALLEST_EVAL_PAIRS)
def test_shipped_weights_beat_the_pixel_average(real_data, shipped_model,
                                                index):
    ir_path, vis_path = eval_pair(real_data, index)
    sources = LoadMultiModalImages()(dict(img_path=vis_path, ir_path=ir_path))
    ir = torch.from_numpy(sources['ir'])
    vis = grey(sources['img'])
    fused = grey(fuse_pair(shipped_model, ir_path, vis_path))
    # round((A + B) / 2), halves up
    average = torch.div(
        ir.int() + vis.int() + 1, 2, rounding_mode='floor').to(torch.uint8)
    ours = fusion_metrics(fused, ir, vis)
    baseline = fusion_metrics(average, ir, vis)
    for metric in METRICS:
        assert ours[metric] > baseline[metric], (
            f'{metric} of the shipped weights on {vis_path}: '
            f'{ours[metric]:.4f}, pixel average {baseline[metric]:.4f}')
