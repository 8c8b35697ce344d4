"""The library holds no command-line machinery: importing the models loads
no batch or argument-parsing module and nothing that can exit the
process, and none of the inference-only conversions of
``segmif_mm.deploy``."""
import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[1]


def loaded_modules(statement: str) -> list:
    """The ``segmif_mm`` modules a fresh interpreter has after
    ``statement``."""
    code = (f'import sys\n{statement}\n'
            'print("\\n".join(m for m in sys.modules '
            'if m.startswith("segmif_mm")))')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True,
                            check=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    return result.stdout.split()


def command_line_code(path: str) -> list:
    """``argparse`` imports, ``sys.exit``/``exit`` calls and ``raise
    SystemExit`` in a source file, in line order."""
    found = []
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names]
            module = getattr(node, 'module', None)
            if 'argparse' in names or module == 'argparse':
                found.append(f'{path}:{node.lineno} imports argparse')
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(
                func, 'id', None)
            if name in ('exit', '_exit'):
                found.append(f'{path}:{node.lineno} calls {name}')
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if getattr(exc, 'id', None) == 'SystemExit':
                found.append(f'{path}:{node.lineno} raises SystemExit')
    return sorted(found, key=lambda line: int(line.split(':')[-1].split()[0]))


def test_models_import_no_command_line_code():
    modules = loaded_modules('import segmif_mm.models')
    assert 'segmif_mm.models.segmentors.segmif' in modules
    assert not [
        m for m in modules
        if m.startswith(('segmif_mm.apis', 'segmif_mm.deploy'))
    ]
    found = [
        line for module in modules
        for line in command_line_code(importlib.util.find_spec(module).origin)
    ]
    assert found == []


def test_the_checker_finds_command_line_code(tmp_path):
    script = tmp_path / 'tool.py'
    script.write_text('import argparse\nimport sys\n\n\ndef main():\n'
                      '    sys.exit(1)\n    raise SystemExit(2)\n')
    assert command_line_code(str(script)) == [
        f'{script}:1 imports argparse', f'{script}:6 calls exit',
        f'{script}:7 raises SystemExit'
    ]
