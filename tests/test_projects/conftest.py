"""Shared fixtures of the projects/ tests."""
from pathlib import Path

import pytest
from mmengine.registry import init_default_scope

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def repo_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``projects.*`` importable, as ``PYTHONPATH=.`` does for the
    tools (the project configs import their modules by that name)."""
    monkeypatch.syspath_prepend(str(REPO))


@pytest.fixture(autouse=True)
def mmseg_scope() -> None:
    """Build components from mmseg's registries, as the configs do."""
    init_default_scope('mmseg')
