#!/usr/bin/env bash
# Peer benchmark in one run: latentflow (defaults, PyOD-like, PCA) against PyOD AutoEncoder(), PyOD PCA(),
# scikit-learn IsolationForest() and the sum-of-squared-z-scores floor, on the same real anomaly sets and
# the same train/test splits. Prints the tables and writes bench/results/peers.md (--quick: a smoke run on
# 4 small sets x 2 seeds, written to .cache/bench-results/quick/peers.md instead).
#
# Usage: bash bench/peers/run.sh [--quick] [--backend auto|wasm|cpu|tensorflow] [--seeds 0,1,2,3,4] [--sets a,b|all]
# First run: creates .cache/bench-venv from PyPI (~6 min, 6 GB on disk); afterwards the full run takes
# 11-15 min on 2 shared cores, --quick 1-3 min. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."

COMMAND="bash bench/peers/run.sh${*:+ $*}"
MODE=full
BACKEND=auto
SEEDS=0,1,2,3,4
SETS=all
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) MODE=quick; SEEDS=0,1; SETS=quick; shift ;;
    --backend) BACKEND=$2; shift 2 ;;
    --seeds) SEEDS=$2; shift 2 ;;
    --sets) SETS=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1; expected --quick, --backend B, --seeds S, --sets S" >&2; exit 2 ;;
  esac
done

PY=.cache/bench-venv/bin/python
DATA=.cache/bench-data/$MODE
RESULTS=.cache/bench-results/$MODE
if [[ $MODE == full ]]; then REPORT=bench/results/peers.md; else REPORT=$RESULTS/peers.md; fi

bash bench/peers/setup.sh
started=$(date +%s)
echo "== data ($SETS, seeds $SEEDS) -> $DATA" >&2
"$PY" bench/peers/export_data.py --sets "$SETS" --seeds "$SEEDS" --out "$DATA"
echo "== peers (Python)" >&2
"$PY" -W ignore bench/peers/run_peers.py --data "$DATA" --out "$RESULTS/peers.json"
echo "== latentflow (backend $BACKEND)" >&2
TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2} TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-0} \
  npx --no-install tsx bench/peers/run-latentflow.ts --data "$DATA" --out "$RESULTS/latentflow.json" --backend "$BACKEND"
echo "== merge" >&2
"$PY" bench/peers/merge.py --data "$DATA" --peers "$RESULTS/peers.json" --latentflow "$RESULTS/latentflow.json" \
  --out "$REPORT" --command "$COMMAND"
echo "== done in $(( $(date +%s) - started )) s; report: $REPORT" >&2
