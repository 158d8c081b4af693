#!/usr/bin/env bash
# README command 1: install, build, and run the bundled pipeline end to end on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/apache-arrow ] || npm ci --no-audit --no-fund
npm run --silent build
node dist/cli/bin.js run pipelines/quickstart.yaml "$@"
