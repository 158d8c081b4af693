#!/usr/bin/env bash
# README command 2: install what the suite needs on a fresh machine, build, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npm run --silent build
npm run --silent typecheck
npx vitest run "$@"
