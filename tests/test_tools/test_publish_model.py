import hashlib

import numpy as np
import pytest
import torch

from segmif_mm.apis import init_model
from tools.misc.publish_model import plain, publish


def test_publish_drops_training_state_and_names_the_hash(
        tiny_run, tiny_config, run_tool, tmp_path, capsys):
    source = tiny_run / 'iter_10.pth'
    trained = torch.load(source, map_location='cpu', weights_only=False)
    assert {'optimizer', 'param_schedulers', 'message_hub'} <= set(trained)

    run_tool('misc/publish_model.py', source, tmp_path / 'segmif_tiny.pth')
    published = list(tmp_path.glob('segmif_tiny-*.pth'))
    assert len(published) == 1
    assert not (tmp_path / 'segmif_tiny.pth').exists()
    digest = hashlib.sha256(published[0].read_bytes()).hexdigest()
    assert published[0].name == f'segmif_tiny-{digest[:8]}.pth'
    assert str(published[0]) in capsys.readouterr().out

    # tensors and plain values only: no trust needed
    checkpoint = torch.load(
        published[0], map_location='cpu', weights_only=True)
    assert set(checkpoint) == {'meta', 'state_dict'}
    assert checkpoint['meta']['iter'] == 10
    assert checkpoint['meta']['dataset_meta']['classes'] == trained['meta'][
        'dataset_meta']['classes']
    assert 'dynamic_task_weight' in checkpoint['meta']
    for key, value in trained['state_dict'].items():
        assert torch.equal(checkpoint['state_dict'][key], value)
    model = init_model(str(tiny_config), str(published[0]))
    for key, value in model.state_dict().items():
        assert torch.equal(value, trained['state_dict'][key]), key


def test_publish_keeps_a_weights_file_as_it_is(tmp_path):
    source = tmp_path / 'fusion_fp16.pth'
    state = dict(
        state_dict=dict(w=torch.arange(4, dtype=torch.float16)),
        meta=dict(iteration=np.int64(300), scale=np.float32(0.5)))
    torch.save(state, source)
    final = publish(str(source), str(tmp_path / 'fusion'))
    assert final.endswith('.pth') and final.startswith(
        str(tmp_path / 'fusion-'))
    loaded = torch.load(final, weights_only=True)
    assert loaded['meta'] == dict(iteration=300, scale=0.5)
    assert type(loaded['meta']['iteration']) is int
    assert torch.equal(loaded['state_dict']['w'], state['state_dict']['w'])


def test_plain_values_and_bad_input(tmp_path):
    assert plain(dict(a=(np.int32(1),
                         [np.arange(2)]))) == dict(a=(1, [[0, 1]]))
    torch.save([1, 2], tmp_path / 'list.pth')
    with pytest.raises(TypeError, match='not a checkpoint dict'):
        publish(str(tmp_path / 'list.pth'), str(tmp_path / 'out.pth'))
    with pytest.raises(FileNotFoundError, match='missing.pth does not exist'):
        publish(str(tmp_path / 'missing.pth'), str(tmp_path / 'out.pth'))
