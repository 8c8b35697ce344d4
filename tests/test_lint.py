"""The tree stays clean under the lint configuration of setup.cfg.

flake8 (style and errors), isort (import groups: standard library, third
party, then mmseg + segmif_mm + local) and yapf (MMSeg's formatting). Fix a
failure with ``isort <files> && yapf -i <files>`` and what flake8 names.
"""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = [
    'segmif_mm', 'tools', 'demo', 'tests', 'projects', 'configs', 'setup.py'
]
COMMANDS = {
    'flake8': ['-m', 'flake8', *SOURCES],
    'isort': ['-m', 'isort', '--check-only', '--diff', *SOURCES],
    'yapf': ['-m', 'yapf', '--diff', '--recursive', *SOURCES],
}


@pytest.mark.parametrize('tool', sorted(COMMANDS))
def test_lint_clean(tool):
    result = subprocess.run([sys.executable, *COMMANDS[tool]],
                            cwd=REPO,
                            capture_output=True,
                            text=True,
                            timeout=600)
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not (tool == 'yapf' and report), (
        f'{tool} reports findings:\n{report[-5000:]}')
