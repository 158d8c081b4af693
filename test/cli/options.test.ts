import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, latentflow } from '../helpers/cli.js';

/**
 * CLI options the README documents, each checked against what it promises (issue 11 item 9), on the bundled
 * quick-start data in a temp directory. The model is read through `info --json`, not from a file path, so
 * these tests do not depend on the model directory's layout.
 */
const repo = path.resolve(import.meta.dirname, '../..');
const SENSORS = ['temperature', 'pressure', 'vibration', 'flow', 'current', 'rpm', 'power', 'noise_db'];
let dir: string;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-cli-options-'));
  await copyFile(path.join(repo, 'data/quickstart/train.csv'), path.join(dir, 'train.csv'));
  await copyFile(path.join(repo, 'data/quickstart/new.csv'), path.join(dir, 'new.csv'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in the temp dir and fails with its stderr when the exit code is not `code`. */
async function run(args: string[], code = 0) {
  const r = await latentflow(args, dir);
  expect(r.code, `latentflow ${args.join(' ')}\n${r.stderr}`).toBe(code);
  return r;
}

/** The model's manifest, as `latentflow info --json` prints it. */
async function manifest(model: string): Promise<{ features: string[]; threshold: { method: string; threshold: number } }> {
  return JSON.parse((await run(['info', model, '--json'])).stdout);
}

/** A CSV written by the CLI (no quoted commas in these files) as header + rows of fields. */
async function readCsv(file: string): Promise<{ cols: string[]; rows: string[][]; col: (name: string) => string[] }> {
  const [header, ...lines] = (await readFile(path.join(dir, file), 'utf8')).trim().split('\n');
  const cols = header.split(',');
  const rows = lines.map((l) => l.split(','));
  return { cols, rows, col: (name) => rows.map((r) => r[cols.indexOf(name)]) };
}

/** numpy-style linear-interpolation quantile, the rule the threshold documents; written here independently. */
function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Fits a PCA model with `rule` writing the scored training rows; returns scores, flags and the saved threshold. */
async function fitWithRule(name: string, rule: string) {
  await run(['fit', '-i', 'train.csv', '-m', name, '-t', 'pca', '--k', '3', '--threshold', rule, '-o', `${name}.csv`]);
  const scored = await readCsv(`${name}.csv`);
  const scores = scored.col('score').map(Number);
  const flags = scored.col('is_anomaly').map((v) => v === 'true' || v === '1');
  return { scores, flags, threshold: (await manifest(name)).threshold };
}

describe('latentflow CLI options do what the README says', () => {
  it('--threshold percentile=P flags the rows above the P-th percentile of the training scores', async () => {
    const { scores, flags, threshold } = await fitWithRule('pct', 'percentile=90');
    expect(threshold.method).toBe('percentile');
    const expected = quantile(scores, 0.9);
    expect(threshold.threshold).toBeCloseTo(expected, 4);
    expect(flags.filter(Boolean).length).toBe(scores.filter((s) => s > expected).length);
    expect(flags.filter(Boolean).length).toBeCloseTo(500, -1); // 10 % of 5,000 rows, give or take ties
    flags.forEach((f, i) => expect(f, `row ${i}`).toBe(scores[i] > threshold.threshold));
  });

  it('--threshold mad=K flags the rows above median + K * 1.4826 * MAD', async () => {
    const { scores, flags, threshold } = await fitWithRule('mad', 'mad=3');
    const median = quantile(scores, 0.5);
    const mad = quantile(scores.map((s) => Math.abs(s - median)), 0.5);
    const expected = median + 3 * 1.4826 * mad;
    expect(threshold).toMatchObject({ method: 'mad' });
    expect(threshold.threshold).toBeCloseTo(expected, 4);
    expect(flags.filter(Boolean).length).toBe(scores.filter((s) => s > expected).length);
    expect(flags.filter(Boolean).length).toBeGreaterThan(0);
  });

  it('--threshold fixed=V flags exactly the rows scoring above V', async () => {
    // V inside the range of this data's scores (the same PCA fit scored them in the percentile test).
    const v = Number(quantile((await readCsv('pct.csv')).col('score').map(Number), 0.75).toPrecision(4));
    const { scores, flags, threshold } = await fitWithRule('fixed', `fixed=${v}`);
    expect(threshold).toMatchObject({ method: 'fixed', threshold: v });
    const above = scores.filter((s) => s > v).length;
    expect(above).toBeGreaterThan(0);
    expect(above).toBeLessThan(scores.length);
    expect(flags.filter(Boolean).length).toBe(above);
  });

  it('fit --calibration-split F saves calibration scores; score --threshold fpr=A / fdr=Q add p_value and flag by it', async () => {
    const fit = await run(['fit', '-i', 'train.csv', '-m', 'cal', '-t', 'pca', '--k', '3', '--calibration-split', '0.2']);
    expect(fit.stdout).toMatch(/fitted on 4000 rows \(1000 more held out for calibration\)/);
    const info = JSON.parse((await run(['info', 'cal', '--json'])).stdout);
    expect(info.training).toMatchObject({ rows: 4000, calibrationRows: 1000 });
    expect(info.calibration.scores).toHaveLength(1000);
    expect((await run(['info', 'cal'])).stdout).toMatch(/Calibration +1,000 held-out rows \(calibrationSplit 0.2\): p_value, rules fpr and fdr down to 1\/1,001/);
    // The drift reference is taken from the held-out calibration scores when there are some.
    expect((await run(['info', 'cal'])).stdout).toMatch(/Drift reference +deciles of every feature and of 1,000 scores/);
    const fpr = await run(['score', '-i', 'new.csv', '-m', 'cal', '-o', 'fpr.csv', '--threshold', 'fpr=0.01']);
    expect(fpr.stdout).toMatch(/p-value rule fpr=0.01/);
    const scored = await readCsv('fpr.csv');
    expect(scored.cols.slice(-3)).toEqual(['score', 'p_value', 'is_anomaly']);
    const p = scored.col('p_value').map(Number);
    scored.col('is_anomaly').forEach((f, i) => expect(f === 'true', `row ${i}`).toBe(p[i] <= 0.01));
    // p = (1 + #{calibration >= s}) / 1001: the score's rank among the saved calibration scores.
    const cal: number[] = info.calibration.scores;
    scored.col('score').map(Number).slice(0, 50).forEach((s, i) => expect(p[i]).toBeCloseTo((1 + cal.filter((c) => c >= s).length) / 1001, 9));
    await run(['score', '-i', 'new.csv', '-m', 'cal', '-o', 'fdr.csv', '--threshold', 'fdr=0.1']);
    expect((await readCsv('fdr.csv')).cols.slice(-2)).toEqual(['p_value', 'is_anomaly']);
  });

  it('score --threshold fpr on a model without calibration exits 1 naming --calibration-split; a bad alpha exits 2', async () => {
    await run(['fit', '-i', 'train.csv', '-m', 'uncal', '-t', 'pca', '--k', '2']);
    const r = await run(['score', '-i', 'new.csv', '-m', 'uncal', '-o', 'uncal.csv', '--threshold', 'fpr=0.01'], 1);
    expect(r.stderr).toMatch(/calibration-split/);
    const bad = await run(['score', '-i', 'new.csv', '-m', 'uncal', '-o', 'uncal.csv', '--threshold', 'fpr=2'], 2);
    expect(bad.stderr).toMatch(/--threshold fpr expects alpha in \(0, 1\), received "2"/);
  });

  it('--exclude keeps the named numeric columns out of the features', async () => {
    await run(['fit', '-i', 'train.csv', '-m', 'excl', '-t', 'pca', '--k', '2', '--exclude', 'rpm,noise_db']);
    expect((await manifest('excl')).features).toEqual(SENSORS.filter((f) => f !== 'rpm' && f !== 'noise_db'));
    const info = await run(['info', 'excl']);
    expect(info.stdout).toContain('temperature');
    expect(info.stdout).not.toMatch(/\brpm\b/);
  });

  it('--feature-errors adds err_<feature> for every feature; their row mean is the score when scoreBy is reconstruction', async () => {
    await writeFile(path.join(dir, 'recon.yaml'), 'hiddenUnits: [16]\ncodeSize: 3\nepochs: 3\nscoreBy: reconstruction\n');
    await run(['fit', '-i', 'train.csv', '-m', 'recon', '--config', 'recon.yaml']);
    await run(['score', '-i', 'new.csv', '-m', 'recon', '-o', 'errors.csv', '--feature-errors']);
    const out = await readCsv('errors.csv');
    expect(out.cols.filter((c) => c.startsWith('err_'))).toEqual(SENSORS.map((f) => `err_${f}`));
    expect(out.rows).toHaveLength(2000);
    const scores = out.col('score').map(Number);
    const errors = SENSORS.map((f) => out.col(`err_${f}`).map(Number));
    scores.forEach((score, r) => {
      const mean = errors.reduce((sum, e) => sum + e[r], 0) / SENSORS.length;
      expect(errors.every((e) => e[r] >= 0)).toBe(true);
      expect(Math.abs(mean - score), `row ${r}`).toBeLessThanOrEqual(1e-5 * Math.max(1, score));
    });
  });

  it('--no-flag writes the score but no is_anomaly column', async () => {
    await run(['score', '-i', 'new.csv', '-m', 'pct', '-o', 'noflag.csv', '--no-flag']);
    const out = await readCsv('noflag.csv');
    expect(out.cols).toContain('score');
    expect(out.cols).not.toContain('is_anomaly');
    expect(out.rows).toHaveLength(2000);
  });

  it('--format and --output-format read and write files whose extension does not tell', async () => {
    await copyFile(path.join(dir, 'new.csv'), path.join(dir, 'new.data'));
    await run(['score', '-i', 'new.data', '--format', 'csv', '-m', 'pct', '-o', 'scored.out', '--output-format', 'arrow']);
    const table = tableFromIPC(await readFile(path.join(dir, 'scored.out')));
    expect(table.numRows).toBe(2000);
    expect(table.schema.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['id', ...SENSORS, 'score', 'is_anomaly']));
    expect(table.getChild('id')!.get(0)).toBe('n00000');
    // Without --format the unknown extension is an invalid command, not a guess.
    const r = await latentflow(['score', '-i', 'new.data', '-m', 'pct', '-o', 'x.csv'], dir);
    expect(r.code).not.toBe(0);
  });

  it('--json prints the run summary as one JSON document on stdout', async () => {
    const r = await run(['score', '-i', 'new.csv', '-m', 'pct', '-o', 'json.csv', '--json']);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ rows: 2000, sink: { rows: 2000, target: path.join(dir, 'json.csv') } });
    expect(typeof summary.pipeline).toBe('string');
    expect(typeof summary.backend).toBe('string');
    expect(summary.durationMs).toBeGreaterThanOrEqual(0);
    const threshold = summary.stages.find((s: { type: string }) => s.type === 'threshold');
    const flagged = (await readCsv('json.csv')).col('is_anomaly').filter((v) => v === 'true' || v === '1').length;
    expect(threshold.stats).toMatchObject({ rows: 2000, anomalies: flagged });
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`--backend ${backend} runs on ${backend} and says so in the summary and the log`, async () => {
      const r = await run(['score', '-i', 'new.csv', '-m', 'pct', '-o', `backend-${backend}.csv`, '--backend', backend]);
      expect(r.stdout).toContain(`(backend ${backend})`);
      const logs = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      expect(logs.find((l) => l.backend !== undefined)?.backend).toBe(backend);
    });
  }

  it('--backend with an unknown name exits 2 naming the choices', async () => {
    const r = await latentflow(['score', '-i', 'new.csv', '-m', 'pct', '-o', 'bad-backend.csv', '--backend', 'gpu'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gpu/);
    expect(r.stderr).toMatch(/wasm/);
  });
});
