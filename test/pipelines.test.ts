import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rocAuc } from '../src/evaluation/metrics.js';
import { runPipeline } from '../src/pipeline/runner.js';
import { loadPipelineFile } from '../src/pipeline/spec.js';

/** Every file in pipelines/ is validated and run, from a copy of the repo layout in a temp directory. */
const repo = path.resolve(import.meta.dirname, '..');
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'latentflow-pipelines-'));
  await cp(path.join(repo, 'pipelines'), path.join(root, 'pipelines'), { recursive: true });
  await cp(path.join(repo, 'data'), path.join(root, 'data'), { recursive: true });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const files = await readdir(path.join(repo, 'pipelines'));

describe('pipelines/', () => {
  for (const name of files.filter((f) => /\.ya?ml$/.test(f))) {
    it(`${name} validates and runs`, async () => {
      const specs = await loadPipelineFile(path.join(root, 'pipelines', name));
      for (const spec of specs) {
        const summary = await runPipeline(spec);
        expect(summary.rows).toBeGreaterThan(0);
      }
    });
  }

  it('quickstart.yaml scores the new readings and ranks the labelled faults on top', async () => {
    const csv = await readFile(path.join(root, 'out/quickstart/new-scored.csv'), 'utf8');
    const [header, ...rows] = csv.trim().split('\n');
    const cols = header.split(',');
    expect(rows.length).toBe(2000);
    expect(cols).toEqual(expect.arrayContaining(['id', 'label', 'score', 'is_anomaly', 'z0', 'z1', 'z2', 'err_power']));
    const at = (c: string) => cols.indexOf(c);
    const scores = rows.map((r) => Number(r.split(',')[at('score')]));
    const labels = rows.map((r) => r.split(',')[at('label')] === 'anomaly');
    expect(rocAuc(scores, labels)).toBeGreaterThan(0.97);
  });

  it('calibrated-flags.yaml adds p_value and flags exactly the rows with p_value <= 0.01, few of them normal', async () => {
    const csv = await readFile(path.join(root, 'out/calibrated/new-flagged.csv'), 'utf8');
    const [header, ...rows] = csv.trim().split('\n');
    const cols = header.split(',');
    expect(cols.slice(-3)).toEqual(['score', 'p_value', 'is_anomaly']);
    const fields = rows.map((r) => r.split(','));
    const p = fields.map((f) => Number(f[cols.indexOf('p_value')]));
    const flagged = fields.map((f) => f[cols.indexOf('is_anomaly')] === 'true');
    flagged.forEach((f, i) => expect(f).toBe(p[i] <= 0.01));
    const normal = fields.map((f) => f[cols.indexOf('label')] === 'normal');
    const normalFlagged = flagged.filter((f, i) => f && normal[i]).length;
    // alpha 0.01 of 1,937 normal readings is 19; 3 sigma above that is 38.
    expect(normalFlagged).toBeLessThanOrEqual(38);
    expect(flagged.filter(Boolean).length).toBeGreaterThan(normalFlagged);
  });

  it('encode-umap.yaml maps every input row, in order, to finite x, y next to its passed-through columns', async () => {
    const table = tableFromIPC(pw.readParquet(await readFile(path.join(root, 'out/encode-umap/map.parquet'))).intoIPCStream());
    const input = (await readFile(path.join(root, 'data/quickstart/new.csv'), 'utf8')).trim().split('\n').slice(1);
    expect(table.numRows).toBe(input.length);
    const names = table.schema.fields.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['id', 'label', 'score', 'is_anomaly', 'z0', 'z1', 'z2', 'x', 'y']));
    const [x, y] = ['x', 'y'].map((c) => Array.from(table.getChild(c)!.toArray() as ArrayLike<number>, Number));
    for (const values of [x, y]) {
      expect(values.filter((v) => !Number.isFinite(v))).toEqual([]);
      expect(new Set(values).size).toBeGreaterThan(input.length / 2); // a layout, not a constant
    }
    expect(x.filter((v, i) => v === y[i]).length).toBeLessThan(input.length / 100); // two axes, not one twice
    // Rows join back to the input by id and keep their label: same ids, same order.
    const ids = Array.from({ length: table.numRows }, (_, i) => `${table.getChild('id')!.get(i)},${table.getChild('label')!.get(i)}`);
    expect(ids).toEqual(input.map((line) => { const f = line.split(','); return `${f[0]},${f[f.length - 1]}`; }));
  });

  it('encode-umap.yaml draws the map, the score histogram and the loss curves in one run, one PNG each', async () => {
    for (const chart of ['scatter', 'score-histogram', 'loss-curves']) {
      const png = PNG.sync.read(await readFile(path.join(root, `out/encode-umap/${chart}.png`)));
      expect(png.width, chart).toBeGreaterThan(600);
      expect(png.height, chart).toBeGreaterThan(300);
    }
  });

  it('report.yaml writes every section: summary counts, loss curves, histogram, map and the top 20 anomalies', async () => {
    const html = await readFile(path.join(root, 'out/report/report.html'), 'utf8');
    expect(html).toContain('<title>Pump telemetry anomaly report</title>');
    const sections = [...html.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);
    expect(sections).toEqual(['summary', 'loss-curves', 'score-histogram', 'map', 'top-anomalies']);
    expect(html).toMatch(/<dt>Rows scored<\/dt><dd>2,000<\/dd>/);
    for (const chart of ['loss-curves', 'score-histogram', 'map']) expect(html).toMatch(new RegExp(`<figure class="chart" data-chart="${chart}"><svg`));
    expect(html).toContain('Training and validation loss per epoch.');
    expect(html).toContain('Rows placed by x and y. Coloured by is_anomaly.');
    // The table: 20 rows ranked 1..20 by descending score; the flagged ones among them are the top
    // min(flagged, 20), since a row is flagged exactly when its score is above the threshold.
    const rows = [...html.matchAll(/<tr data-rank="(\d+)" data-score="([^"]+)">(.*?)<\/tr>/g)];
    expect(rows.map((r) => Number(r[1]))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const scores = rows.map((r) => Number(r[2]));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const flagged = Number(/<dt>Rows flagged<\/dt><dd>([\d,]+)/.exec(html)![1].replaceAll(',', ''));
    expect(flagged).toBeGreaterThan(0);
    const flags = rows.map((r) => r[3].includes('<span class="flag">yes</span>'));
    expect(flags).toEqual(Array.from({ length: 20 }, (_, i) => i < Math.min(flagged, 20)));
    expect(rows.every((r) => /<ul class="contrib">/.test(r[3]))).toBe(true);
  });
});
