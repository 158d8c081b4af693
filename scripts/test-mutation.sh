#!/usr/bin/env bash
# npm run test:mutation [-- stryker options]: StrykerJS over src/io, src/pipeline, src/artifact and the file
# connectors (stryker.config.mjs), then the score per folder. Not part of test:all or CI: it runs the
# selected tests once per mutant. One folder only: npm run test:mutation -- --mutate 'src/io/*.ts'
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
npx stryker run "$@"
echo "test:mutation: $(( $(date +%s) - start )) s" >&2
node scripts/mutation-summary.mjs .cache/stryker/mutation.json
