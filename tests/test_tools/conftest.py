import runpy
import sys
from pathlib import Path
from typing import Callable

import pytest
import torch
from mmengine.config import Config

from segmif_mm.apis import init_model

REPO = Path(__file__).parents[2]
TINY_CONFIG = REPO / 'tests' / 'configs' / 'segmif_tiny.py'


@pytest.fixture
def tiny_config(tmp_path: Path) -> Path:
    """The tiny SegMiF config written to ``tmp_path``."""
    path = tmp_path / 'segmif_tiny.py'
    Config.fromfile(str(TINY_CONFIG)).dump(str(path))
    return path


@pytest.fixture
def tiny_checkpoint(tiny_config: Path, tmp_path: Path) -> Path:
    """A randomly initialised checkpoint of the tiny config, with the demo
    dataset's classes and palette in its meta."""
    torch.manual_seed(0)
    model = init_model(str(tiny_config))
    path = tmp_path / 'segmif_tiny.pth'
    torch.save(
        dict(
            state_dict=model.state_dict(),
            meta=dict(dataset_meta=model.dataset_meta)), path)
    return path


@pytest.fixture
def malloc_tuning_calls(monkeypatch: pytest.MonkeyPatch) -> list:
    """Calls of ``tune_malloc_for_inference`` by the CPU conversion the
    tools run, recorded but not applied: mallopt settings would outlive the
    test."""
    from segmif_mm.deploy import cpu
    calls: list = []
    monkeypatch.setattr(cpu, 'tune_malloc_for_inference',
                        lambda: calls.append(True) or True)
    return calls


@pytest.fixture
def run_tool(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Run ``tools/<script>`` in-process with the given arguments."""

    def run(script: str, *args) -> None:
        path = REPO / 'tools' / script
        monkeypatch.setattr(sys, 'argv', [str(path), *map(str, args)])
        runpy.run_path(str(path), run_name='__main__')

    return run
