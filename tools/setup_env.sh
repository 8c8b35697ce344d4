#!/usr/bin/env bash
# Idempotent set-up of everything segmif_mm needs, from a bare python3 + pip.
#
#   bash tools/setup_env.sh            # creates/updates ./.venv
#
# Order matters: build tools, torch, the runtime requirements, then mmcv 2.1.0
# compiled against that torch (MMCV_WITH_OPS=1, --no-build-isolation), then this
# package in editable mode. Every pip call honours requirements/constraints.txt
# (exported as PIP_CONSTRAINT, so build-isolation sub-installs see it too): a
# dependency that asks for "setuptools>=77" can no longer pull a setuptools
# without pkg_resources. After each step the script checks what the next step
# relies on and stops with the cause and the fix at the first failure.
#
# The first run builds mmcv from source when pip has no wheel for it (about 30
# min on 2 cores); pip keeps the built wheel in its cache, so a fresh clone on
# the same machine reinstalls it in seconds. When nothing changed since the last
# successful run, the script only checks the imports (a few seconds).
#
# Environment variables:
#   PYTHON        interpreter that creates the virtualenv (default: python3);
#                 supported: CPython 3.10-3.12
#   SEGMIF_VENV   virtualenv folder (default: .venv in the repository root)
#   SEGMIF_TORCH  torch requirement (default: torch==2.13.0; set e.g.
#                 'torch==2.5.1' or a CUDA build on GPU machines)
#   MAX_JOBS      parallel compile jobs for mmcv (default: nproc)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${SEGMIF_VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${SEGMIF_TORCH:-torch==2.13.0}
SUPPORTED_PYTHON='3.10 3.11 3.12'
log() { printf '[setup] %s\n' "$*"; }
fail() {
  printf '[setup] FAILED: %s\n' "$1" >&2
  printf '[setup] fix: %s\n' "$2" >&2
  exit 1
}

constraints="$PWD/requirements/constraints.txt"
case "$constraints" in
  *[[:space:]]*) constraints=requirements/constraints.txt ;;  # pip splits on blanks
esac
export PIP_CONSTRAINT="$constraints${PIP_CONSTRAINT:+ $PIP_CONSTRAINT}"

# --- checks: each one names what broke and how to repair it -----------------
venv_py() { "$VENV/bin/python" "$@"; }

check_python() {
  local py=$1 version
  version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
    || fail "cannot run '$py'" \
            "install CPython 3.10-3.12 and point PYTHON at it, e.g. PYTHON=python3.11 bash tools/setup_env.sh"
  case " $SUPPORTED_PYTHON " in
    *" $version "*) ;;
    *) fail "'$py' is Python $version; segmif_mm supports $SUPPORTED_PYTHON (torch 2.13 and mmcv 2.1.0 are built and tested there)" \
            "run with a supported interpreter, e.g. PYTHON=python3.11 bash tools/setup_env.sh (and remove $VENV if it was made with Python $version)" ;;
  esac
}

check_build_tools() {
  venv_py - <<'EOF' || fail "the build tools in $VENV are unusable (see the line above)" \
      "rm -rf $VENV and rerun; if it happens again, check that nothing (PIP_CONSTRAINT, pip.conf, PIP_NO_INDEX) overrides requirements/constraints.txt"
import sys
import setuptools
major = int(setuptools.__version__.split('.')[0])
if major >= 82:
    sys.exit(f'setuptools {setuptools.__version__} has no pkg_resources '
             '(mmcv 2.1.0 and mmengine import it); requirements/constraints.txt '
             'caps it below 82')
try:
    import warnings
    warnings.simplefilter('ignore')  # setuptools 81 announces its removal
    import pkg_resources  # noqa: F401
except ImportError as exc:
    sys.exit(f'import pkg_resources failed: {exc}')
EOF
}

check_torch() {
  venv_py -c 'import torch; torch.zeros(1) + 1' \
    || fail "torch does not import in $VENV" \
            "reinstall it: $VENV/bin/python -m pip install --force-reinstall '$TORCH_SPEC'"
}

check_mmcv() {
  venv_py - <<'EOF' || fail "mmcv 2.1.0 with compiled ops is not importable (see the line above)" \
      "rebuild it against the installed torch: $VENV/bin/python -m pip uninstall -y mmcv && MMCV_WITH_OPS=1 $VENV/bin/python -m pip install --no-cache-dir --no-build-isolation mmcv==2.1.0"
import sys
import mmcv
if mmcv.__version__ != '2.1.0':
    sys.exit(f'mmcv {mmcv.__version__} is installed, segmif_mm needs 2.1.0')
try:
    from mmcv.ops import nms  # noqa: F401  (needs the compiled _ext)
    import mmcv._ext  # noqa: F401
except ImportError as exc:
    sys.exit(f'mmcv was built without its ops or against another torch: {exc}')
EOF
}

import_check='import torch, mmcv, mmcv.ops, mmengine, mmseg, mmpretrain, segmif_mm'
check_imports() {
  venv_py -c "$import_check" \
    || fail "the OpenMMLab stack does not import in $VENV (see the traceback above)" \
            "rerun bash tools/setup_env.sh; if the error names a package, reinstall it within requirements/constraints.txt"
}

# --- fast path: nothing changed since the last successful run ---------------
check_python "$PYTHON"
stamp_file="$VENV/.segmif_setup_stamp"
stamp=$( { echo "$TORCH_SPEC"; cat requirements/*.txt setup.py; } | sha256sum | cut -c1-16)
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] \
    && venv_py -c "$import_check" 2>/dev/null; then
  log "environment in $VENV is up to date"
  exit 0
fi

# --- install steps ----------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtualenv $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi
check_python "$VENV/bin/python"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

log "build tools, within requirements/constraints.txt (setuptools<82 keeps pkg_resources)"
"${PIP[@]}" install -q -U -r requirements/build.txt
check_build_tools

if venv_py -c 'import torch' 2>/dev/null; then
  log "torch $(venv_py -c 'import torch; print(torch.__version__)') already installed"
else
  log "installing $TORCH_SPEC"
  "${PIP[@]}" install -q "$TORCH_SPEC"
fi
check_torch
check_build_tools

log "runtime and test requirements"
"${PIP[@]}" install -q -r requirements/runtime.txt -r requirements/tests.txt
check_build_tools

if venv_py -c 'import mmcv, mmcv._ext; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
  log "mmcv 2.1.0 with compiled ops already installed"
else
  log "installing mmcv 2.1.0 with ops; without a cached wheel this compiles"
  log "from source: about 30 min on 2 cores, once (pip caches the wheel)"
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    "${PIP[@]}" install --no-build-isolation -r requirements/mminstall.txt \
    || fail "building mmcv 2.1.0 failed (the compiler output is above)" \
            "check that gcc/g++ and the Python headers are installed (Debian: apt install build-essential python3-dev), then rerun"
fi
check_mmcv
check_build_tools

log "installing segmif_mm (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .
check_imports
echo "$stamp" > "$stamp_file"
log "done: $VENV is ready"
