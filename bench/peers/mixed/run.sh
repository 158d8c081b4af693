#!/usr/bin/env bash
# Mixed-type peer benchmark in one run (issue 16 item 5): real anomaly sets with text and numeric columns
# (bench/peers/mixed/export_mixed.py), on the peer bench's protocol and code (bench/peers/: splits, runners, merge):
#   latentflow AE defaults with features: auto        the mixed-type default (text columns as categories)
#   latentflow AE defaults with the numeric columns   what the same data gave before mixed types
#   latentflow PCA with features: auto                the linear baseline on the encoded matrix
#   latentflow AE, numeric columns, scored like a mixed-type model (reconstruction error, no latent density):
#                                                     a diagnostic, so the kinds are compared under one scoring rule
#   one-hot + PyOD AutoEncoder(), IsolationForest(), ECOD()   the peers' usual practice on such tables
# No latentflow default was chosen on these sets: this is a confirm-style check.
#
# Usage: bash bench/peers/mixed/run.sh [--seeds 0,1,2,3,4] [--sets a,b] [--backend auto|wasm|cpu|tensorflow]
# Report: bench/results/peers-mixed.md (with --sets: .cache/bench-results/mixed/peers-mixed.md). Not part of
# the test suite; the first run creates .cache/bench-venv (bench/peers/setup.sh, ~6 min).
set -euo pipefail
cd "$(dirname "$0")/../../.."

COMMAND="bash bench/peers/mixed/run.sh${*:+ $*}"
SEEDS=0,1,2,3,4
SETS=all
BACKEND=auto
while [[ $# -gt 0 ]]; do
  case $1 in
    --seeds) SEEDS=$2; shift 2 ;;
    --sets) SETS=$2; shift 2 ;;
    --backend) BACKEND=$2; shift 2 ;;
    *) echo "mixed/run.sh: unknown argument $1; expected --seeds S, --sets S, --backend B" >&2; exit 2 ;;
  esac
done

PY=.cache/bench-venv/bin/python
DATA=.cache/bench-data/mixed
RESULTS=.cache/bench-results/mixed
if [[ $SETS == all ]]; then REPORT=bench/results/peers-mixed.md; else REPORT=$RESULTS/peers-mixed.md; fi

bash bench/peers/setup.sh
started=$(date +%s)
uptime_start=$(uptime)
echo "== data (sets $SETS, seeds $SEEDS) -> $DATA" >&2
"$PY" bench/peers/mixed/export_mixed.py --sets "$SETS" --seeds "$SEEDS" --out "$DATA"
echo "== peers (Python, one-hot encoded)" >&2
"$PY" -W ignore bench/peers/run_peers.py --data "$DATA" --out "$RESULTS/peers.json" --encode onehot --methods pyod-ae,iforest,pyod-ecod
echo "== latentflow (backend $BACKEND)" >&2
TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2} TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-0} \
  npx --no-install tsx bench/peers/run-latentflow.ts --data "$DATA" --out "$RESULTS/latentflow.json" --backend "$BACKEND" \
  --methods lf-auto,lf-numeric,lf-numeric-recon,lf-auto-pca
echo "== merge" >&2
"$PY" bench/peers/merge.py --data "$DATA" --peers "$RESULTS/peers.json" --latentflow "$RESULTS/latentflow.json" \
  --out "$REPORT" --command "$COMMAND" --started "$started" --uptime "$uptime_start" \
  --title "Mixed-type peers: latentflow features: auto vs one-hot + PyOD / scikit-learn on real mixed-type anomaly sets"
echo "== done in $(( $(date +%s) - started )) s; report: $REPORT" >&2
