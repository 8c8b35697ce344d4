#!/usr/bin/env bash
# A new user's first contact, reproduced: clone the committed HEAD into a
# temporary folder, point PIP_CACHE_DIR at an empty folder (so mmcv compiles
# from source, as on a fresh machine), run the README's two commands in
# order and print each one's wall time; then run the set-up a second time
# (it must take seconds).
#
#   bash tools/ci/fresh_clone_check.sh            # about 40-60 min on 2 cores
#
# The commands are read from the first ```bash block of README.md, so this
# checks what the README says. ../shared (real test data) is linked beside
# the clone as CI has it. Slow by design: not part of .ci/run.
#
# Environment variables:
#   FRESH_CLONE_DIR   where to clone (default: a new folder under /tmp)
#   PYTHON            passed through to tools/setup_env.sh
set -euo pipefail
repo=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
work=${FRESH_CLONE_DIR:-$(mktemp -d /tmp/segmif_fresh.XXXXXX)}
mkdir -p "$work"
log() { printf '[fresh-clone] %s\n' "$*"; }

if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  log "note: $repo has uncommitted changes; they are NOT part of this check"
fi
git clone -q "$repo" "$work/segmif_mm"
log "clone of $(git -C "$work/segmif_mm" log -1 --format='%h %s') in $work/segmif_mm"
if [ -d "$repo/../shared" ] && [ ! -e "$work/shared" ]; then
  ln -s "$(cd "$repo/../shared" && pwd)" "$work/shared"
fi
export PIP_CACHE_DIR="$work/pip-cache"
rm -rf "$PIP_CACHE_DIR" && mkdir -p "$PIP_CACHE_DIR"
log "PIP_CACHE_DIR=$PIP_CACHE_DIR (empty)"

cd "$work/segmif_mm"
mapfile -t commands < <(awk '/^```bash/{inside=1; next} inside && /^```/{exit}
  inside && !/^[[:space:]]*#/ && NF {print}' README.md)
if [ "${#commands[@]}" -ne 2 ]; then
  log "expected two commands in the README's first bash block, found ${#commands[@]}"
  exit 1
fi

timings=()
run_timed() {
  local label=$1 command=$2 start end
  log "$label: $command"
  start=$(date +%s)
  bash -c "$command"
  end=$(date +%s)
  timings+=("$label: $((end - start)) s  ($command)")
  log "$label finished in $((end - start)) s"
}
run_timed "README command 1 (set-up from an empty cache + demo)" "${commands[0]}"
run_timed "README command 2 (set-up again + test suite)" "${commands[1]}"
run_timed "set-up, third run" "bash tools/setup_env.sh"

log "summary ($(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)):"
for line in "${timings[@]}"; do log "  $line"; done
