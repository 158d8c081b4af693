/**
 * Candidate table for the defaults study: per-set mean ROC-AUC (over seeds) of every method in the given
 * result files, the mean over sets, the worst per-set delta to PyOD AutoEncoder(), and fit seconds summed
 * over sets (mean over seeds) with its geometric-mean ratio to PyOD's. Markdown on stdout.
 *
 * Run: npx tsx bench/peers/summarize.ts RESULTS.json... [--filter REGEX] [--metric roc_auc|ap] [--baseline METHOD]
 * (--baseline: the method the worst delta and the fit ratio compare with; default pyod-ae)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { filter: { type: 'string' }, metric: { type: 'string', default: 'roc_auc' }, baseline: { type: 'string', default: 'pyod-ae' } } });
const baseline = values.baseline as string;
const baselineName = baseline === 'pyod-ae' ? 'PyOD AE' : baseline;
interface Row { dataset: string; seed: number; method: string; fit_s: number; roc_auc: number; ap: number }
const rows: Row[] = positionals.flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { results: Row[] }).results);
const sets = [...new Set(rows.map((r) => r.dataset))];
const filter = values.filter === undefined ? null : new RegExp(values.filter);
const methods = [...new Set(rows.map((r) => r.method))].filter((m) => filter === null || filter.test(m) || ['pyod-ae', 'floor', 'pyod-pca', 'iforest', baseline].includes(m));
const key = values.metric as 'roc_auc' | 'ap';
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const cell = (ds: string, m: string, k: keyof Row) => {
  const v = rows.filter((r) => r.dataset === ds && r.method === m).map((r) => r[k] as number);
  return v.length ? mean(v) : NaN;
};
const short = (ds: string) => ds.slice(0, 8);
console.log(`| method | ${sets.map(short).join(' | ')} | **mean** | worst Δ vs ${baselineName} | fit s (sum of sets) | fit ratio vs ${baselineName} (gmean) |`);
console.log(`|---|${sets.map(() => '---:').join('|')}|---:|---:|---:|---:|`);
for (const m of methods) {
  const v = sets.map((ds) => cell(ds, m, key));
  const worst = Math.min(...sets.map((ds) => cell(ds, m, key) - cell(ds, baseline, key)));
  const fits = sets.map((ds) => cell(ds, m, 'fit_s'));
  const ratio = Math.exp(mean(sets.map((ds) => Math.log(cell(ds, m, 'fit_s') / cell(ds, baseline, 'fit_s')))));
  console.log(`| ${m} | ${v.map((x) => x.toFixed(3)).join(' | ')} | **${mean(v).toFixed(3)}** | ${worst.toFixed(3)} | ${fits.reduce((a, b) => a + b, 0).toFixed(1)} | ${ratio.toFixed(2)} |`);
}
