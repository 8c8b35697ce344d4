from typing import Callable

import pytest


@pytest.fixture
def malloc_tuning_calls(monkeypatch: pytest.MonkeyPatch) -> list:
    """Calls of ``tune_malloc_for_inference`` by the tools, recorded but
    not applied: mallopt settings would outlive the test."""
    import segmif_mm.utils
    calls: list = []
    monkeypatch.setattr(segmif_mm.utils, 'tune_malloc_for_inference',
                        lambda: calls.append(True) or True)
    return calls


@pytest.fixture
def run_tool(run_script: Callable[..., None]) -> Callable[..., None]:
    """Run ``tools/<script>`` in-process with the given arguments."""
    return lambda script, *args: run_script(f'tools/{script}', *args)
