#!/usr/bin/env bash
# Issue 17: the package as a user gets it. Packs latentflow (prepack builds dist/), checks what the tarball
# holds, installs it into an empty project and runs test/package/consumer.mjs and the CLI from there.
# Dependencies come from npm's cache, which `npm ci` has just filled (--prefer-offline).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/latentflow-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT

tarball=$(npm pack --silent --pack-destination "$work" | tail -1)
tar -tzf "$work/$tarball" | sed 's#^package/##' | sort > "$work/files.txt"
fail() { echo "test-pack: $*" >&2; exit 1; }
for f in LICENSE README.md package.json dist/index.js dist/index.d.ts dist/cli/bin.js data/quickstart/train.csv pipelines/quickstart.yaml; do
  grep -qx "$f" "$work/files.txt" || fail "the tarball lacks $f"
done
# Source maps would point at src/, which is not shipped; benchmark and MNIST data are not for users.
if grep -E '\.map$|^data/mnist/|^bench/|^test/|^src/' "$work/files.txt"; then fail "the tarball ships the files above, which users do not run"; fi
size=$(stat -c %s "$work/$tarball")
echo "test-pack: $tarball, $(wc -l < "$work/files.txt") files, $((size / 1024)) KiB" >&2

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$work/$tarball" >/dev/null
cp "$root/test/package/consumer.mjs" .
node consumer.mjs
npx --no-install latentflow --version >/dev/null
npx --no-install latentflow list >/dev/null
echo "test-pack: installed into an empty project, the library example and the CLI ran" >&2
