"""The model zoo against the configs, the checkpoints and the defaults."""
from pathlib import Path

import pytest
from mmengine.config import Config

from segmif_mm.apis import (DEFAULT_FUSION_CHECKPOINT, DEFAULT_FUSION_CONFIG,
                            get_model_info, load_model_index)
from segmif_mm.engine.runner import AlternatingTrainLoop
from segmif_mm.utils import find_resource

REPO = Path(__file__).resolve().parents[2]
MODELS = load_model_index()


def test_every_config_family_member_is_a_model():
    configs = sorted(
        p.stem for p in (REPO / 'configs' / 'segmif').glob('*.py'))
    assert sorted(MODELS) == configs
    for name, model in MODELS.items():
        assert model['Config'] == f'configs/segmif/{name}.py'
        assert model['In Collection'] == 'SegMiF'
        assert find_resource(model['Config']).is_file()


def test_weights_are_shipped_files_and_checkpoints_holds_only_those():
    weights = {m['Weights'] for m in MODELS.values() if m['Weights']}
    assert DEFAULT_FUSION_CHECKPOINT in weights
    # besides the default, only the weights a shipped model was fine-tuned
    # from (its config's load_from), so that the chain can be retrained
    starting_points = {
        Config.fromfile(str(find_resource(m['Config']))).load_from
        for m in MODELS.values() if m['Weights']
    }
    assert weights - {DEFAULT_FUSION_CHECKPOINT} <= starting_points
    for path in weights:
        assert find_resource(path).is_file()
    shipped = {
        str(p.relative_to(REPO))
        for p in (REPO / 'checkpoints').iterdir()
    }
    assert shipped == weights, (
        'checkpoints/ is packaged into the wheel: keep only the files that '
        'a metafile names as Weights')


def test_the_default_fusion_model_is_in_the_zoo():
    shipped = [
        m for m in MODELS.values() if m['Weights'] == DEFAULT_FUSION_CHECKPOINT
    ]
    assert [m['Config'] for m in shipped] == [DEFAULT_FUSION_CONFIG]


@pytest.mark.parametrize('name', sorted(MODELS))
def test_metadata_matches_the_config(name):
    model = MODELS[name]
    meta = model['Metadata']
    cfg = Config.fromfile(str(find_resource(model['Config'])))
    assert meta['Batch Size'] == cfg.train_dataloader.batch_size
    evaluators = cfg.test_evaluator if isinstance(
        cfg.test_evaluator, list) else [cfg.test_evaluator]
    protocols = [
        e.protocols for e in evaluators if e.type == 'MultiProtocolIoUMetric'
    ]
    assert meta['Segmentation Protocols'] == (
        protocols[0] if protocols else None)
    spans = AlternatingTrainLoop.build_spans(cfg.train_cfg.num_rounds,
                                             cfg.train_cfg.phases)
    if model['Weights'] or model['Results']:
        # trained here: at least the config's own schedule (the shipped
        # model continues from its first stage)
        assert meta['Training Iterations'] >= spans[-1].end
        for result in model['Results']:
            assert result['Task'] and result['Dataset'] and result['Metrics']
    else:
        assert meta['Training Iterations'] == spans[-1].end
    for key in ('Training Data', 'Training Resources', 'Architecture'):
        assert meta[key]


def test_lookup_by_name():
    assert get_model_info(
        'segmif_mit-b3_1xb8-alt8r_fmb-360x360')['Weights'] is None
    with pytest.raises(KeyError, match='No model .segmif_nope. in the'):
        get_model_info('segmif_nope')
