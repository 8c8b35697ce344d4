import copy

import pytest
import torch

from segmif_mm.apis import init_fusion_model

TOOL = 'model_converters/average_fusion_weights.py'


@pytest.fixture
def fusion_file(tmp_path, tiny_config, tiny_checkpoint, run_tool):
    """The tiny checkpoint's fusion weights in float32."""
    path = tmp_path / 'a.pth'
    run_tool('model_converters/extract_fusion_weights.py', tiny_config,
             tiny_checkpoint, path, '--fp32', '--note', 'training=run a')
    return path


def shifted_copy(source, out, shift=1.0, edit_meta=None):
    """``source`` with ``shift`` added to every floating-point tensor."""
    loaded = torch.load(source, weights_only=True)
    state = {
        key: value + shift if value.is_floating_point() else value
        for key, value in loaded['state_dict'].items()
    }
    meta = copy.deepcopy(loaded['meta'])
    meta['training'] = 'run b'
    if edit_meta:
        edit_meta(meta, state)
    torch.save(dict(state_dict=state, meta=meta), out)
    return out


def test_average_is_the_tensorwise_mean_with_provenance(
        tmp_path, tiny_config, fusion_file, run_tool):
    other = shifted_copy(fusion_file, tmp_path / 'b.pth', shift=1.0)
    out = tmp_path / 'soup.pth'
    run_tool(TOOL, fusion_file, other, '--out', out, '--note',
             'selection=greedy on the validation pairs')
    soup = torch.load(out, weights_only=True)
    first = torch.load(fusion_file, weights_only=True)['state_dict']
    assert sorted(soup['state_dict']) == sorted(first)
    for key, value in first.items():
        if value.is_floating_point():
            assert soup['state_dict'][key].dtype == torch.float16
            torch.testing.assert_close(
                soup['state_dict'][key].float(),
                value + 0.5,
                rtol=2e-3,
                atol=2e-3)
        else:
            assert torch.equal(soup['state_dict'][key], value)
    meta = soup['meta']
    assert meta['dtype'] == 'float16'
    assert meta['selection'] == 'greedy on the validation pairs'
    assert [s['training'] for s in meta['sources']] == ['run a', 'run b']
    assert meta['sources'][0]['file'] == str(fusion_file)
    assert 'fusion_function' not in meta['sources'][0]
    init_fusion_model(str(tiny_config), str(out))


def test_average_fp32_of_a_file_with_itself_is_the_file(
        tmp_path, fusion_file, run_tool):
    out = tmp_path / 'same.pth'
    run_tool(TOOL, fusion_file, fusion_file, '--out', out, '--fp32')
    soup = torch.load(out, weights_only=True)['state_dict']
    first = torch.load(fusion_file, weights_only=True)['state_dict']
    for key, value in first.items():
        assert soup[key].dtype == value.dtype
        torch.testing.assert_close(soup[key], value)


def drop_a_tensor(meta, state):
    state.pop(sorted(state)[0])


def other_fusion_function(meta, state):
    meta['fusion_function']['fusion_head']['channels'] += 1


@pytest.mark.parametrize('edit_meta, message', [
    (drop_a_tensor, 'hold different tensors'),
    (other_fusion_function,
     r'another fusion function(.|\n)*fusion_head.channels'),
])
def test_average_refuses_files_of_different_networks(tmp_path, fusion_file,
                                                     run_tool, edit_meta,
                                                     message):
    other = shifted_copy(fusion_file, tmp_path / 'b.pth', edit_meta=edit_meta)
    with pytest.raises(ValueError, match=message) as err:
        run_tool(TOOL, fusion_file, other, '--out', tmp_path / 'soup.pth')
    assert str(other) in str(err.value)
    assert not (tmp_path / 'soup.pth').exists()


def test_average_refuses_training_checkpoints_and_single_files(
        tmp_path, fusion_file, tiny_checkpoint, run_tool):
    with pytest.raises(ValueError, match='extract_fusion_weights.py'):
        run_tool(TOOL, fusion_file, tiny_checkpoint, '--out',
                 tmp_path / 'soup.pth')
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        run_tool(TOOL, fusion_file, tmp_path / 'missing.pth', '--out',
                 tmp_path / 'soup.pth')
    with pytest.raises(SystemExit):
        run_tool(TOOL, fusion_file, '--out', tmp_path / 'soup.pth')
