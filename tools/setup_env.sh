#!/usr/bin/env bash
# Idempotent set-up of everything segmif_mm needs, from a bare python3 + pip.
#
#   bash tools/setup_env.sh            # creates/updates ./.venv
#
# Order matters: torch first, then the runtime requirements, then mmcv 2.1.0
# compiled against that torch (MMCV_WITH_OPS=1, --no-build-isolation), then this
# package in editable mode. The first run builds mmcv from source when no wheel
# matches (20-40 min on 2 cores); pip keeps the built wheel in its cache, so a
# fresh clone on the same machine reinstalls it in seconds. When nothing changed
# since the last successful run, the script only checks the imports (a few s).
#
# Environment variables:
#   SEGMIF_VENV   virtualenv folder (default: .venv in the repository root)
#   SEGMIF_TORCH  torch requirement (default: torch==2.13.0; set e.g.
#                 'torch==2.5.1' or a CUDA build on GPU machines)
#   PYTHON        interpreter that creates the virtualenv (default: python3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${SEGMIF_VENV:-.venv}
TORCH_SPEC=${SEGMIF_TORCH:-torch==2.13.0}
log() { printf '[setup] %s\n' "$*"; }

stamp_file="$VENV/.segmif_setup_stamp"
stamp=$( { echo "$TORCH_SPEC"; cat requirements/*.txt setup.py; } | sha256sum | cut -c1-16)
import_check='import torch, mmcv, mmcv.ops, mmengine, mmseg, mmpretrain, segmif_mm'

if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] \
    && "$VENV/bin/python" -c "$import_check" 2>/dev/null; then
  log "environment in $VENV is up to date"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtualenv $VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

log "build tools (setuptools<82 keeps pkg_resources for mmcv and mmengine)"
"${PIP[@]}" install -q -r requirements/build.txt

if "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
  log "torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)') already installed"
else
  log "installing $TORCH_SPEC"
  "${PIP[@]}" install -q "$TORCH_SPEC"
fi

log "runtime and test requirements"
"${PIP[@]}" install -q -r requirements/runtime.txt -r requirements/tests.txt

if "$VENV/bin/python" -c 'import mmcv, mmcv.ops; assert mmcv.__version__ == "2.1.0"' 2>/dev/null; then
  log "mmcv 2.1.0 with compiled ops already installed"
else
  log "installing mmcv 2.1.0 with ops; without a cached wheel this compiles"
  log "from source: 20-40 min on 2 cores, once (pip caches the wheel)"
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
    "${PIP[@]}" install --no-build-isolation -r requirements/mminstall.txt
fi

log "installing segmif_mm (editable)"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e .

"$VENV/bin/python" -c "$import_check"
echo "$stamp" > "$stamp_file"
log "done: $VENV is ready"
