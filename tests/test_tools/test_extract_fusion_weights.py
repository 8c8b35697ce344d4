import pytest
import torch

from segmif_mm.apis import fusion_state_keys, init_fusion_model


def test_extract_keeps_fusion_weights_with_provenance(tmp_path, tiny_config,
                                                      tiny_checkpoint,
                                                      run_tool):
    out = tmp_path / 'fusion.pth'
    run_tool('model_converters/extract_fusion_weights.py', tiny_config,
             tiny_checkpoint, out, '--note', 'data=RoadScene, first 180',
             'command=python tools/train.py a=b')
    saved = torch.load(out, map_location='cpu', weights_only=True)
    model = init_fusion_model(str(tiny_config))
    assert sorted(saved['state_dict']) == fusion_state_keys(model)
    assert all(v.dtype == torch.float16 for v in saved['state_dict'].values()
               if v.is_floating_point())
    meta = saved['meta']
    assert meta['data'] == 'RoadScene, first 180'
    assert meta['command'] == 'python tools/train.py a=b'
    assert meta['dtype'] == 'float16'
    assert meta['config'].endswith('segmif_tiny.py')
    full = torch.load(
        tiny_checkpoint, map_location='cpu', weights_only=False)['state_dict']
    key = next(k for k in saved['state_dict'] if 'decoder' in k)
    torch.testing.assert_close(
        saved['state_dict'][key].float(), full[key], rtol=1e-3, atol=1e-3)
    with pytest.raises(SystemExit):
        run_tool('model_converters/extract_fusion_weights.py', tiny_config,
                 tiny_checkpoint, out, '--note', 'no-equals-sign')


def test_a_note_may_not_replace_a_recorded_entry(tmp_path, tiny_config,
                                                 tiny_checkpoint, run_tool):
    out = tmp_path / 'fusion.pth'
    with pytest.raises(ValueError, match='--note iteration: the tool'):
        run_tool('model_converters/extract_fusion_weights.py', tiny_config,
                 tiny_checkpoint, out, '--note', 'iteration=250',
                 'training=arm I')
    assert not out.exists()
