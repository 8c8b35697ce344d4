import json

import pytest
import torch

PARTS = ('fusion', 'segmentation', 'full')
RESULT_KEYS = {
    'latency_ms_median', 'latency_ms_min', 'latency_ms_max',
    'throughput_img_per_s', 'peak_memory_mib'
}


@pytest.mark.parametrize('with_checkpoint,extra', [(False, []),
                                                   (True, ['--amp'])])
def test_table_and_json(with_checkpoint, extra, tmp_path, tiny_config,
                        tiny_checkpoint, run_tool, capsys):
    out = tmp_path / 'bench' / 'result.json'
    checkpoint = [tiny_checkpoint] if with_checkpoint else []
    run_tool('benchmark.py', tiny_config, *checkpoint, '--device', 'cpu',
             '--shape', 32, 40, '--batch-size', 2, '--repeat', 1, '--warmup',
             0, '--threads', 1, '--json', out, *extra)
    printed = capsys.readouterr().out
    for column in ('latency median (ms)', 'throughput (img/s)',
                   'peak RSS so far (MiB)', *PARTS):
        assert column in printed

    result = json.loads(out.read_text())
    settings = result['settings']
    assert settings['shape'] == [32, 40]
    assert settings['batch_size'] == 2
    assert settings['threads'] == 1
    assert settings['amp'] is bool(extra)
    assert settings['amp_dtype'] == ('bfloat16' if extra else None)
    assert settings['checkpoint'] == (
        str(tiny_checkpoint) if with_checkpoint else None)
    assert settings['memory_kind'] == 'process_peak_rss_cumulative'
    assert settings['cpu_conversion'] is True
    assert set(result['results']) == set(PARTS)
    for part in PARTS:
        values = result['results'][part]
        assert set(values) == RESULT_KEYS
        assert values['throughput_img_per_s'] == pytest.approx(
            2e3 / values['latency_ms_median'])


def test_cuda_without_cuda_is_an_error(tiny_config, run_tool, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(RuntimeError, match='CUDA is not available'):
        run_tool('benchmark.py', tiny_config, '--device', 'cuda', '--shape',
                 32, 32, '--repeat', 1)


@pytest.mark.parametrize('flag', [False, True])
def test_malloc_tuning_flag(flag, tmp_path, tiny_config, run_tool,
                            malloc_tuning_calls, capsys):
    out = tmp_path / 'result.json'
    run_tool('benchmark.py', tiny_config, '--shape', 16, 16, '--repeat', 1,
             '--warmup', 0, '--json', out,
             *(['--malloc-tuning'] if flag else []))
    assert malloc_tuning_calls == ([True] if flag else [])
    assert json.loads(out.read_text())['settings']['malloc_tuning'] is flag
    assert f'malloc tuning={"on" if flag else "off"}' in capsys.readouterr(
    ).out


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_precision_choice(precision, tmp_path, tiny_config, run_tool, capsys):
    """--precision is recorded with the results."""
    if precision == 'bf16' and \
            not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        pytest.skip('bf16 autocast needs oneDNN bf16 kernels')
    out = tmp_path / 'result.json'
    run_tool('benchmark.py', tiny_config, '--shape', 16, 16, '--repeat', 1,
             '--warmup', 0, '--parts', 'full', '--precision', precision,
             '--json', out)
    settings = json.loads(out.read_text())['settings']
    assert settings['precision'] == precision and settings['amp'] is False
    assert f'precision={precision}' in capsys.readouterr().out


def test_plain_model_for_comparison(tmp_path, tiny_config, run_tool, capsys):
    out = tmp_path / 'result.json'
    run_tool('benchmark.py', tiny_config, '--shape', 16, 16, '--repeat', 1,
             '--warmup', 0, '--parts', 'full', '--no-cpu-conversion', '--json',
             out)
    assert json.loads(out.read_text())['settings']['cpu_conversion'] is False
    assert 'CPU conversion=off' in capsys.readouterr().out


@pytest.mark.parametrize(
    'flags',
    [['--amp', '--precision', 'bf16'],
     ['--no-cpu-conversion', '--malloc-tuning'], ['--precision', 'auto']])
def test_exclusive_and_unknown_flags(flags, tiny_config, run_tool):
    with pytest.raises(SystemExit):
        run_tool('benchmark.py', tiny_config, *flags)
