from typing import Callable

import pytest


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
def run_tool(run_script: Callable[..., None]) -> Callable[..., None]:
    """Run ``tools/<script>`` in-process with the given arguments."""
    return lambda script, *args: run_script(f'tools/{script}', *args)
