/**
 * The README's first CLI example, measured: `latentflow fit -i data/quickstart/train.csv -m <dir>` then
 * `latentflow score -i data/quickstart/new.csv -m <dir> -o <file>`, with no other options, for several seeds.
 * Prints ROC-AUC and AP of `score` against new.csv's `label` column (`anomaly` or `normal`), the flagged rows that are faults, the
 * fit's wall time and whether training converged; then the medians. Issue 12's target: ROC-AUC >= 0.97.
 *
 * Run: npm run build && npx tsx bench/quickstart-defaults.ts [--seeds 1,2,3] [--config model.yaml]
 * (`--config` passes a file of autoencoder options to `fit --config`, to compare candidate defaults.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { averagePrecision, rocAuc } from '../src/evaluation/metrics.js';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({ options: { seeds: { type: 'string', default: '1,2,3' }, config: { type: 'string' } } });
const seeds = args.seeds.split(',').map(Number);
const cli = path.join(root, 'dist/cli/bin.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'lf-quickstart-'));

/** Parses the scored CSV: the label and score columns by header name (values here never hold commas). */
function readScored(file: string): { labels: boolean[]; scores: Float64Array; flagged: boolean[] } {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const names = header.split(',');
  const at = (name: string) => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`${file}: no ${name} column in ${header}`);
    return i;
  };
  const [li, si, fi] = [at('label'), at('score'), at('is_anomaly')];
  const rows = lines.map((l) => l.split(','));
  return {
    labels: rows.map((r) => r[li] === 'anomaly'),
    scores: Float64Array.from(rows, (r) => Number(r[si])),
    flagged: rows.map((r) => r[fi] === 'true'),
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const results: { seed: number; auc: number; ap: number; fitS: number; epochs: string; flagged: string }[] = [];
try {
  for (const seed of seeds) {
    const model = path.join(work, `m${seed}`);
    const out = path.join(work, `s${seed}.csv`);
    const t0 = performance.now();
    const fitArgs = ['fit', '-i', 'data/quickstart/train.csv', '-m', model, '--seed', String(seed), ...(args.config ? ['--config', args.config] : [])];
    const fitOut = execFileSync(process.execPath, [cli, ...fitArgs, '--log-level', 'warn'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const fitS = (performance.now() - t0) / 1000;
    execFileSync(process.execPath, [cli, 'score', '-i', 'data/quickstart/new.csv', '-m', model, '-o', out, '--log-level', 'warn'], { cwd: root, stdio: 'ignore' });
    const { labels, scores, flagged } = readScored(out);
    const faults = flagged.filter((f, i) => f && labels[i]).length;
    const epochs = /(\d+ epochs[^,\n]*)/.exec(fitOut)?.[1] ?? '?';
    results.push({ seed, auc: rocAuc(scores, labels), ap: averagePrecision(scores, labels), fitS, epochs, flagged: `${faults} of ${flagged.filter(Boolean).length}` });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`CLI defaults on data/quickstart (fit train.csv, score new.csv)${args.config ? `, --config ${args.config}` : ''}`);
console.log('| seed | ROC-AUC | AP | flagged rows that are faults | fit s (CLI wall time) | training |');
console.log('|---:|---:|---:|---|---:|---|');
for (const r of results) console.log(`| ${r.seed} | ${r.auc.toFixed(3)} | ${r.ap.toFixed(3)} | ${r.flagged} | ${r.fitS.toFixed(1)} | ${r.epochs} |`);
const aucs = results.map((r) => r.auc);
console.log(`median ROC-AUC ${median(aucs).toFixed(3)}, min ${Math.min(...aucs).toFixed(3)}; median AP ${median(results.map((r) => r.ap)).toFixed(3)}; median fit ${median(results.map((r) => r.fitS)).toFixed(1)} s`);
