#!/usr/bin/env bash
# Peer benchmark in one run: latentflow (defaults, PyOD-like, PCA) against PyOD AutoEncoder(), VAE(), PCA(),
# KNN(), ECOD(), scikit-learn IsolationForest() and the sum-of-squared-z-scores floor, on the same real anomaly
# sets and the same train/test splits. The sets are split once into a tune and a confirm half
# (bench/peers/halves.json, rule in bench/peers/halves.py); the report has one table per half.
#
#   --half all (default)   both halves, report bench/results/peers-halves.md
#   --half tune|confirm    one half, report bench/results/peers-halves-<half>.md
#   --sets a,b             named sets instead of a half, report .cache/bench-results/full/peers.md
#   --quick                4 small sets x 2 seeds, report .cache/bench-results/quick/peers.md
#
# Usage: bash bench/peers/run.sh [--quick] [--half tune|confirm|all] [--sets a,b] [--seeds 0,1,2,3,4] [--lf-methods lf-default,lf-pca]
#                               [--backend auto|wasm|cpu|tensorflow]
# First run: creates .cache/bench-venv from PyPI (~6 min, 6 GB on disk); bench/results/peers-halves.md
# records how long the full run took. Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."

COMMAND="bash bench/peers/run.sh${*:+ $*}"
MODE=full
BACKEND=auto
SEEDS=0,1,2,3,4
LF_METHODS=
SETS=
HALF=all
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) MODE=quick; SEEDS=0,1; SETS=quick; shift ;;
    --backend) BACKEND=$2; shift 2 ;;
    --seeds) SEEDS=$2; shift 2 ;;
    --lf-methods) LF_METHODS=$2; shift 2 ;;
    --sets) SETS=$2; shift 2 ;;
    --half)
      case $2 in tune|confirm|all) HALF=$2 ;; *) echo "run.sh: --half takes tune, confirm or all, not $2" >&2; exit 2 ;; esac
      shift 2 ;;
    *) echo "run.sh: unknown argument $1; expected --quick, --half H, --backend B, --seeds S, --sets S, --lf-methods M" >&2; exit 2 ;;
  esac
done

PY=.cache/bench-venv/bin/python
DATA=.cache/bench-data/$MODE
RESULTS=.cache/bench-results/$MODE
if [[ -n $SETS ]]; then
  SELECT=(--sets "$SETS"); REPORT=$RESULTS/peers.md
else
  SELECT=(--half "$HALF")
  if [[ $HALF == all ]]; then REPORT=bench/results/peers-halves.md; else REPORT=bench/results/peers-halves-$HALF.md; fi
fi

bash bench/peers/setup.sh
started=$(date +%s)
uptime_start=$(uptime)
echo "== data (${SELECT[*]}, seeds $SEEDS) -> $DATA" >&2
"$PY" bench/peers/export_data.py "${SELECT[@]}" --seeds "$SEEDS" --out "$DATA"
echo "== peers (Python)" >&2
"$PY" -W ignore bench/peers/run_peers.py --data "$DATA" --out "$RESULTS/peers.json"
echo "== latentflow (backend $BACKEND)" >&2
TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2} TF_ENABLE_ONEDNN_OPTS=${TF_ENABLE_ONEDNN_OPTS:-0} \
  npx --no-install tsx bench/peers/run-latentflow.ts --data "$DATA" --out "$RESULTS/latentflow.json" --backend "$BACKEND" ${LF_METHODS:+--methods "$LF_METHODS"}
echo "== merge" >&2
"$PY" bench/peers/merge.py --data "$DATA" --peers "$RESULTS/peers.json" --latentflow "$RESULTS/latentflow.json" \
  --out "$REPORT" --command "$COMMAND" --started "$started" --uptime "$uptime_start"
echo "== done in $(( $(date +%s) - started )) s; report: $REPORT" >&2
