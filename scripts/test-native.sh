#!/usr/bin/env bash
# CI step after scripts/test-all.sh: builds the optional native TensorFlow backend into node_modules
# (scripts/native-backend.sh) and runs the model and artifact tests on it. Run it after the default
# suite: once tfjs-node is installed, `auto` picks it, and the default suite is meant to run on wasm.
# A build failure is a test failure (it is the thing under test). About 4 minutes on 2 cores, plus the
# ~250 MB wheel download the first time on a machine (pip caches it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/native-backend.sh
# Explicit backend: a native backend that fails to load must fail the run, not fall back to wasm.
# oneDNN off: faster for these small networks; log level 2: TensorFlow's start-up notices off stderr.
LATENTFLOW_BACKEND=tensorflow TF_ENABLE_ONEDNN_OPTS=0 TF_CPP_MIN_LOG_LEVEL=2 \
  npx vitest run test/models test/artifact "$@"
