#!/usr/bin/env bash
# README command 2: install what the suite needs on a fresh machine, build, and run every test:
# the unit suite (vitest), then the packed package installed into an empty project (scripts/test-pack.sh),
# then the integration suite against a real Kafka broker that
# test/integration/global-setup.ts starts with scripts/kafka/broker.sh (jars fetched from Maven Central
# with Maven on first use, cached in .cache/kafka).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests drive: Chromium for the HTML report's browser test (never a downloaded
# browser), a Java runtime and Maven for the Kafka broker, openssl for the test certificates (TLS check,
# the broker's SASL_SSL listener). Installed only when missing.
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v openssl >/dev/null || missing+=(openssl)
if ((${#missing[@]})); then
  sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo -n)
  echo "test-all: installing Debian packages: ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Engines must agree with the dependencies (issue 11): --engine-strict turns npm's EBADENGINE warning into
# a failure for the running Node, and check-engines.mjs checks every locked package against the oldest Node
# that package.json admits. Optional packages for other platforms are skipped by npm as usual.
npm ci --no-audit --no-fund --engine-strict
node scripts/check-engines.mjs
npm run --silent build
npm run --silent typecheck
npx vitest run "$@"
if (($# == 0)); then
  npm run --silent test:pack
  npm run --silent test:integration
fi
