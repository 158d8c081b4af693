#!/usr/bin/env node
// Prints the mutation score per source folder from StrykerJS's JSON report (mutation-testing-report-schema),
// because Stryker's own table is per file and the target (issue 11) is per folder:
// src/io, src/pipeline, src/artifact, and the file connectors counted as one folder.
// Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker defines it;
// compile and runtime errors and ignored mutants do not count.
// Usage: node scripts/mutation-summary.mjs [report.json] (default .cache/stryker/mutation.json).
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.cache/stryker/mutation.json';
const report = JSON.parse(readFileSync(file, 'utf8'));

/** The folder a source file is scored under. */
const folderOf = (p) => {
  const rel = p.replace(/\\/g, '/').replace(/^.*?\bsrc\//, 'src/');
  if (/^src\/connectors\/((csv|ipc|parquet)-(source|sink)|null-sink)\.ts$/.test(rel)) return 'src/connectors (file)';
  return rel.split('/').slice(0, -1).join('/');
};

const folders = new Map();
for (const [p, { mutants }] of Object.entries(report.files)) {
  const f = folderOf(p);
  const c = folders.get(f) ?? { killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0, survivors: [] };
  for (const m of mutants) {
    if (m.status === 'Killed') c.killed++;
    else if (m.status === 'Timeout') c.timeout++;
    else if (m.status === 'Survived') c.survived++;
    else if (m.status === 'NoCoverage') c.noCoverage++;
    else c.other++;
    if (m.status === 'Survived' || m.status === 'NoCoverage') c.survivors.push(`${p}:${m.location.start.line} ${m.mutatorName} ${m.status}`);
  }
  folders.set(f, c);
}

const pct = (n, d) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)} %`);
console.log('| folder | killed | timeout | survived | no coverage | errors/ignored | score |');
console.log('|---|---|---|---|---|---|---|');
for (const [f, c] of [...folders].sort()) {
  const detected = c.killed + c.timeout;
  console.log(`| ${f} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.noCoverage} | ${c.other} | ${pct(detected, detected + c.survived + c.noCoverage)} |`);
}
if (process.argv.includes('--survivors')) for (const [, c] of folders) for (const s of c.survivors) console.log(s);
