"""convert_for_cpu_inference: the whole converted model against the plain
one, what it swaps, and the scope of its passes."""
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from segmif_mm.apis import fuse_pair, init_fusion_model, init_model
from segmif_mm.deploy import (FoldedHIA, StripedConvStack, StripedDRDB,
                              convert_for_cpu_inference)
from segmif_mm.deploy import cpu as cpu_module
from segmif_mm.deploy import inference_scope
from segmif_mm.models.fusion_heads import DRDB
from segmif_mm.models.necks import HierarchicalInteractiveAttention

REPO = Path(__file__).parents[2]
TINY_CONFIG = REPO / 'tests' / 'configs' / 'segmif_tiny.py'
BASE_MODEL = REPO / 'configs' / '_base_' / 'models' / 'segmif_mit-b0.py'
#: The HIA context form of the paper configs and the shipped fusion weights
#: (cosine logits, softmax over keys, temperature 10).
SHIPPED_HIA_FORM = {
    key: value
    for key, value in Config.fromfile(str(
        BASE_MODEL)).model.fusion_head.hia_cfgs[0].items()
    if key in ('context_scale', 'context_axis', 'temperature_init')
}


def tiny_model(**hia_form):
    """The tiny SegMiF with seeded random weights; ``hia_form`` overrides
    the HIA settings (context form)."""
    cfg = Config.fromfile(str(TINY_CONFIG))
    for hia in cfg.model.fusion_head.hia_cfgs:
        hia.update(hia_form)
    torch.manual_seed(0)
    return init_model(cfg)


def inputs(size=(40, 48), batch=2):
    return torch.rand(
        batch, 4, *size, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize(
    'hia_form', [{}, SHIPPED_HIA_FORM], ids=['hia_default', 'hia_shipped'])
@pytest.mark.parametrize('size', [(40, 48), (37, 53)])
def test_converted_model_matches_the_plain_one(size, hia_form):
    model = tiny_model(**hia_form)
    x = inputs(size)
    with torch.no_grad():
        plain_fused, plain_logits = model(x, mode='tensor')
    # tiny stripes and tiles: every map is cut many times
    converted = convert_for_cpu_inference(
        model, stripe_bytes=1, tile_tokens=29)
    with torch.no_grad():
        fused, logits = converted(x, mode='tensor')
        samples = converted.predict(x)
    torch.testing.assert_close(fused, plain_fused, rtol=0, atol=1e-4)
    torch.testing.assert_close(logits, plain_logits, rtol=0, atol=1e-4)
    assert torch.equal(logits.argmax(1), plain_logits.argmax(1))
    assert torch.equal(
        torch.stack([s.pred_sem_seg.data[0] for s in samples]),
        plain_logits.argmax(1))


def test_swaps_every_module_and_shares_the_weights():
    model = tiny_model()
    drdbs = [m for m in model.modules() if isinstance(m, DRDB)]
    hias = [
        m for m in model.modules()
        if isinstance(m, HierarchicalInteractiveAttention)
    ]
    params = {id(p) for p in model.parameters()}
    stems = (model.fusion_head.vis_stem, model.fusion_head.ir_stem,
             model.fusion_head.decoder)
    model.train()
    converted = convert_for_cpu_inference(model)
    assert converted is model and not converted.training
    head = converted.fusion_head
    assert [head.vis_stem.stack, head.ir_stem.stack,
            head.decoder.stack] == list(stems)
    assert all(
        isinstance(m, StripedConvStack)
        for m in (head.vis_stem, head.ir_stem, head.decoder))
    swapped_drdbs = [
        m.block for m in converted.modules() if isinstance(m, StripedDRDB)
    ]
    swapped_hias = [
        m.hia for m in converted.modules() if isinstance(m, FoldedHIA)
    ]
    assert swapped_drdbs == drdbs and swapped_hias == hias
    assert {id(p) for p in converted.parameters()} == params
    pools = {
        id(m.pool)
        for m in converted.modules() if isinstance(m, StripedDRDB)
    }
    assert len(pools) == 1  # one buffer for all DRDBs


def test_shipped_fusion_weights_give_the_same_fused_image(real_data):
    model = init_fusion_model()
    pair = dict(
        ir=str(real_data / 'roadscene' / 'ir' / 'FLIR_00006.jpg'),
        vis=str(real_data / 'roadscene' / 'vi' / 'FLIR_00006.jpg'))
    plain = fuse_pair(model, pair['ir'], pair['vis'])
    converted = fuse_pair(
        convert_for_cpu_inference(model), pair['ir'], pair['vis'])
    difference = np.abs(plain.astype(int) - converted.astype(int))
    assert difference.max() <= 1 and (difference > 0).mean() < 1e-3


def test_refuses_bad_uses(monkeypatch):
    model = tiny_model()
    with pytest.raises(ValueError, match='positive'):
        convert_for_cpu_inference(model, stripe_bytes=0)
    with pytest.raises(ValueError, match='memory must be one of'):
        convert_for_cpu_inference(model, memory='always')
    with pytest.raises(ValueError, match='precision must be one of'):
        convert_for_cpu_inference(model, precision='auto')
    with pytest.raises(ValueError, match='CPU models'):
        convert_for_cpu_inference(tiny_model().to('meta'))
    convert_for_cpu_inference(model)
    with pytest.raises(ValueError, match='converted already'):
        convert_for_cpu_inference(model)
    model.train()
    with torch.no_grad(), pytest.raises(RuntimeError, match='eval mode'):
        model(inputs(), mode='tensor')


@pytest.fixture
def memory_scopes(monkeypatch):
    """Depths at which the passes entered ``reuse_freed_memory``
    (recorded, not applied)."""
    depths, open_scopes = [], []

    @contextmanager
    def recording():
        open_scopes.append(True)
        depths.append(len(open_scopes))
        try:
            yield True
        finally:
            open_scopes.pop()

    monkeypatch.setattr(inference_scope, 'reuse_freed_memory', recording)
    return depths


def test_every_pass_and_fusion_reuses_freed_memory(memory_scopes, monkeypatch):
    tuned = []
    monkeypatch.setattr(cpu_module, 'tune_malloc_for_inference',
                        lambda: tuned.append(True) or True)
    model = convert_for_cpu_inference(tiny_model())
    with torch.no_grad():
        model(inputs(), mode='tensor')
        assert memory_scopes == [1, 2]  # the model, then its fusion head
        model.fuse(inputs())  # the fusion head alone
    assert memory_scopes == [1, 2, 1] and tuned == []
    convert_for_cpu_inference(tiny_model(), memory=None)
    convert_for_cpu_inference(tiny_model(), memory='process')
    assert tuned == [True]


@pytest.mark.skipif(
    not torch.ops.mkldnn._is_mkldnn_bf16_supported(),
    reason='bf16 autocast needs oneDNN bf16 kernels')
def test_bf16_precision_autocasts_every_pass():
    model = convert_for_cpu_inference(tiny_model(), precision='bf16')
    with torch.no_grad():
        fused_rgb, logits = model(inputs(), mode='tensor')
        fused_y = model.fuse(inputs())[0]
        samples = model.predict(inputs())
    assert fused_rgb.dtype == logits.dtype == torch.bfloat16
    assert fused_y.dtype == torch.bfloat16
    assert samples[0].pred_fused_img.data.dtype == torch.float32
    assert not torch.is_autocast_enabled('cpu')
