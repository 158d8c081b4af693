#!/usr/bin/env bash
# Issue 17: the package as a user gets it. Packs latentflow (prepack builds dist/), checks what the tarball
# holds, installs it into an empty project, compiles test/package/consumer.ts there with each current
# TypeScript and runs it and the CLI from there.
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
npm pkg set type=module
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$work/$tarball" >/dev/null
echo "test-pack: installed size $(du -sk node_modules | cut -f1) KiB (node_modules of the empty project)" >&2

# The public types compile in a consumer's strict build, without --skipLibCheck (issue 17 item 2), on the
# TypeScript versions current on npm: the last 5.x and the newest release (7.x, the native compiler).
# Installed side by side under aliases; LATENTFLOW_CONSUMER_TS overrides the list.
read -r -a versions <<< "${LATENTFLOW_CONSUMER_TS:-5.9.3 7.0.2}"
aliases=()
for v in "${versions[@]}"; do aliases+=("ts-$v@npm:typescript@$v"); done
# One install: a later `npm install --no-save` would prune what an earlier one added.
aliases+=("@types/node@$(node -p "require('$root/package.json').devDependencies['@types/node']")")
npm install --no-audit --no-fund --prefer-offline --loglevel=error --no-save "${aliases[@]}" >/dev/null
cp "$root/test/package/consumer.ts" .
cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "strict": true,
    "skipLibCheck": false,
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "es2022",
    "types": ["node"],
    "outDir": "out"
  },
  "files": ["consumer.ts"]
}
JSON
for v in "${versions[@]}"; do
  node "node_modules/ts-$v/bin/tsc" -p . --noEmit || fail "consumer.ts does not compile with TypeScript $v (--strict, no --skipLibCheck)"
  echo "test-pack: consumer.ts compiles with TypeScript $v, --strict, no --skipLibCheck" >&2
done
node "node_modules/ts-${versions[0]}/bin/tsc" -p .
node out/consumer.js
npx --no-install latentflow --version >/dev/null
npx --no-install latentflow list >/dev/null
echo "test-pack: installed into an empty project, the library examples and the CLI ran" >&2
