#!/usr/bin/env node
// Fails when a package in package-lock.json needs a newer Node than the oldest one package.json's
// `engines.node` admits (issue 11: commander 15 and vega-lite 6.5 need Node 22 while we declare >=20.19).
// `npm ci --engine-strict` checks the running Node only; this checks the declared floor, whatever Node runs.
// Packages for other platforms (os/cpu fields) are skipped: npm never installs them here.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const semver = createRequire(import.meta.url)('semver');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const floor = semver.minVersion(pkg.engines.node).version;
const bad = [];
for (const [where, p] of Object.entries(lock.packages)) {
  const wanted = p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined;
  if (!where || !wanted || (p.optional && (p.os || p.cpu))) continue;
  if (!semver.satisfies(floor, wanted, { includePrerelease: true })) bad.push(`${where.replace(/^.*node_modules\//, '')}@${p.version} needs node ${wanted}`);
}
if (bad.length > 0) {
  console.error(`check-engines: package.json declares node ${pkg.engines.node}, but:\n  ${bad.join('\n  ')}\npin versions that run on node ${floor} or raise engines.node`);
  process.exit(1);
}
console.error(`check-engines: every locked package runs on node ${floor} (engines.node ${pkg.engines.node})`);
