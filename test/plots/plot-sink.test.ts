import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { RecordBatch, Schema, Struct, Table, Utf8, makeData, tableFromArrays, tableToIPC, vectorFromArray } from 'apache-arrow';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConnectorError, DataError, ModelStateError, SpecError } from '../../src/errors.js';
import { gaussian, seededRandom } from '../../src/models/random.js';
import { runPipeline } from '../../src/pipeline/runner.js';
import { validatePipelineValue } from '../../src/pipeline/spec.js';
import { FLAG_COLORS } from '../../src/plots/scatter.js';
import { numericTextField } from '../../src/io/numeric-field.js';

/**
 * plot-sink run through the pipeline runner: each chart is written as a PNG that decodes at twice the SVG
 * size and as SVG whose marks match the rows; the model param resolves a fit stage id or a model directory;
 * bad columns and misplaced params fail with typed errors naming them.
 */
let dir: string;
let file: string;
const ROWS = 230;
const anomalyRows = new Set<number>();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-plot-sink-'));
  const random = seededRandom(21);
  const f = Array.from({ length: 4 }, () => new Float64Array(ROWS));
  const x = new Float64Array(ROWS);
  const y = new Float64Array(ROWS);
  const flags: boolean[] = [];
  const labels: string[] = [];
  for (let r = 0; r < ROWS; r++) {
    const a = gaussian(random);
    const b = gaussian(random);
    f.forEach((col, c) => (col[r] = Math.sin(c + 1) * a + Math.cos(c + 1) * b + 0.05 * gaussian(random)));
    x[r] = a;
    y[r] = b;
    flags.push(r % 23 === 5);
    if (r % 23 === 5) anomalyRows.add(r);
    labels.push(['pump', 'valve', 'fan'][r % 3]);
  }
  file = path.join(dir, 'in.arrow');
  // A heavy-tailed score: 99 % of rows near 0, two far out.
  const heavy = Float64Array.from({ length: ROWS }, (_, r) => (r === 7 || r === 150 ? 40 + r / 10 : 0.01 * random()));
  await writeFile(file, tableToIPC(tableFromArrays({ f0: f[0], f1: f[1], f2: f[2], f3: f[3], x, y, is_anomaly: flags, label: labels, heavy }), 'file'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs ipc-source -> stages -> plot-sink with `sink` params. */
function run(sink: Record<string, unknown>, stages: Record<string, unknown>[] = [], batchRows = 50) {
  return runPipeline(validatePipelineValue({ seed: 3, source: { type: 'ipc-source', path: file, batchRows }, stages, sink: { type: 'plot-sink', ...sink } }, dir));
}

/** The drawn items of the data marks of type `mark` (Vega puts them, self-closing, in one `role-mark` group each). */
function marks(svg: string, mark: string): string[] {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${mark} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs'))];
  return groups.flatMap((g) => g[1].match(/<(path|line|text)\b[^>]*?(\/>|>[^<]*<\/\1>)/g) ?? []);
}

/** Reads the SVG, checks that resvg (a strict XML parser) accepts it, and returns its text and size. */
async function readSvg(name: string): Promise<{ text: string; width: number; height: number }> {
  const text = await readFile(path.join(dir, name), 'utf8');
  const parsed = new Resvg(text);
  return { text, width: parsed.width, height: parsed.height };
}

async function readPng(name: string): Promise<PNG> {
  return PNG.sync.read(await readFile(path.join(dir, name)));
}

describe('plot-sink', () => {
  test('scatter writes a PNG of twice the SVG size and an SVG with one symbol per row, anomalies red', async () => {
    const params = { chart: 'scatter', color: 'is_anomaly', title: 'embedding' };
    const png = await run({ ...params, path: 'scatter.png' });
    expect(png).toMatchObject({ rows: ROWS, sink: { rows: ROWS, target: path.join(dir, 'scatter.png') } });
    await run({ ...params, path: 'scatter.svg' });
    const svg = await readSvg('scatter.svg');
    const symbols = marks(svg.text, 'symbol');
    expect(symbols).toHaveLength(ROWS);
    expect(symbols.filter((s) => s.includes(`fill="${FLAG_COLORS.anomaly}"`))).toHaveLength(anomalyRows.size);
    const decoded = await readPng('scatter.png');
    expect([decoded.width, decoded.height]).toEqual([2 * svg.width, 2 * svg.height]);
  });

  test('a string label column is colored by category', async () => {
    await run({ chart: 'scatter', x: 'f0', y: 'f1', color: 'label', path: 'labels.svg' });
    const symbols = marks((await readSvg('labels.svg')).text, 'symbol');
    expect(symbols).toHaveLength(ROWS);
    expect(new Set(symbols.map((s) => /fill="([^"]+)"/.exec(s)![1])).size).toBe(3);
  });

  test('more rows than maxPoints is a ConnectorError suggesting a sample; sample: true draws the same seeded sample every run', async () => {
    await expect(run({ chart: 'scatter', path: 'big.png', maxPoints: 100 })).rejects.toThrow(ConnectorError);
    await expect(run({ chart: 'scatter', path: 'big.png', maxPoints: 100 })).rejects.toThrow(/maxPoints=100.*sample: true/);
    await run({ chart: 'scatter', path: 'sample-a.svg', maxPoints: 100, sample: true, color: 'is_anomaly' });
    await run({ chart: 'scatter', path: 'sample-b.svg', maxPoints: 100, sample: true, color: 'is_anomaly' }, [], 17);
    const a = (await readSvg('sample-a.svg')).text;
    expect(marks(a, 'symbol')).toHaveLength(100);
    expect(a).toContain('random sample of 100 of 230 rows');
    // The same seed draws the same rows, however the input is batched.
    expect((await readSvg('sample-b.svg')).text).toBe(a);
  });

  test('score-histogram draws the threshold saved with a fit stage named by its id', async () => {
    const stages = [
      { type: 'pca-fit', id: 'fit', features: ['f0', 'f1', 'f2', 'f3'], k: 1, threshold: { method: 'contamination', value: 0.05 } },
      { type: 'score', model: 'fit' },
    ];
    const summary = await run({ chart: 'score-histogram', model: 'fit', bins: 20, logY: true, path: 'scores.svg' }, stages);
    const threshold = summary.stages.find((s) => s.id === 'fit')!.stats!.threshold as number;
    const svg = (await readSvg('scores.svg')).text;
    expect(marks(svg, 'rect').length).toBeGreaterThan(3);
    expect(marks(svg, 'rect').length).toBeLessThanOrEqual(20);
    expect(marks(svg, 'rule')).toHaveLength(1);
    expect(svg).toContain(`threshold ${Number(threshold.toPrecision(4))}`);

    await run({ chart: 'score-histogram', threshold: 0.5, path: 'scores.png' }, stages);
    expect((await readPng('scores.png')).width).toBeGreaterThan(2 * 480);
  });

  test('loss-curves draws the training and validation loss saved with an autoencoder, by stage id or directory', async () => {
    const fit = { type: 'autoencoder-fit', id: 'ae', features: ['f0', 'f1', 'f2', 'f3'], model: { epochs: 4, batchSize: 64 }, saveTo: 'ae-model' };
    await run({ chart: 'loss-curves', model: 'ae', path: 'loss.svg' }, [fit]);
    const svg = await readSvg('loss.svg');
    expect(marks(svg.text, 'line')).toHaveLength(2);
    expect(marks(svg.text, 'rule')).toHaveLength(1);
    expect(svg.text).toMatch(/best epoch \d/);

    const fromDir = await run({ chart: 'loss-curves', model: 'ae-model', logY: true, path: 'loss.png', widthPx: 300, heightPx: 200 });
    expect(fromDir.rows).toBe(ROWS);
    const png = await readPng('loss.png');
    expect(png.width).toBeGreaterThan(600);
    expect(png.height).toBeGreaterThan(400);
  });

  test('score-histogram shows a heavy tail on a log count axis by default; logY: false forces linear', async () => {
    await run({ chart: 'score-histogram', score: 'heavy', path: 'heavy.svg' });
    await run({ chart: 'score-histogram', score: 'heavy', logY: false, path: 'heavy-linear.svg' });
    expect((await readSvg('heavy.svg')).text).toContain('rows (log scale)');
    const linear = (await readSvg('heavy-linear.svg')).text;
    expect(linear).not.toContain('log scale');
    expect(linear).toContain('>rows<');
  });

  test('a list of charts draws each from the same rows in one run, one file per chart named by {chart}', async () => {
    const stages = [
      { type: 'autoencoder-fit', id: 'ae', features: ['f0', 'f1', 'f2', 'f3'], model: { epochs: 3, batchSize: 64 }, threshold: { method: 'contamination', value: 0.05 } },
      { type: 'score', model: 'ae' },
    ];
    const charts = ['scatter', 'score-histogram', 'loss-curves'];
    const summary = await run({ chart: charts, path: 'all/{chart}.svg', model: 'ae', color: 'is_anomaly' }, stages);
    expect(summary.sink.target).toBe(charts.map((c) => path.join(dir, 'all', `${c}.svg`)).join(', '));
    expect((await readdir(path.join(dir, 'all'))).sort()).toEqual(charts.map((c) => `${c}.svg`).sort());
    const scatter = (await readSvg('all/scatter.svg')).text;
    expect(marks(scatter, 'symbol')).toHaveLength(ROWS);
    expect(marks(scatter, 'symbol').slice(-anomalyRows.size).every((m) => m.includes(`fill="${FLAG_COLORS.anomaly}"`))).toBe(true);
    const histogram = (await readSvg('all/score-histogram.svg')).text;
    expect(marks(histogram, 'rect').length).toBeGreaterThan(3);
    expect(marks(histogram, 'rule')).toHaveLength(1);
    expect(marks((await readSvg('all/loss-curves.svg')).text, 'line')).toHaveLength(2);
  });

  test('when one chart of a list fails, none of its files is written', async () => {
    const stages = [{ type: 'pca-fit', id: 'fit', features: ['f0', 'f1', 'f2', 'f3'], k: 1 }];
    await expect(run({ chart: ['scatter', 'loss-curves'], path: 'failed/{chart}.png', model: 'fit' }, stages)).rejects.toThrow(ModelStateError);
    const left = await readdir(path.join(dir, 'failed')).catch(() => []);
    expect(left).toEqual([]);
  });

  test('loss-curves of a model without training history is a ModelStateError', async () => {
    const stages = [{ type: 'pca-fit', id: 'fit', features: ['f0', 'f1', 'f2', 'f3'], k: 1 }];
    await expect(run({ chart: 'loss-curves', model: 'fit', path: 'pca-loss.png' }, stages)).rejects.toThrow(ModelStateError);
  });

  test('a missing column is a DataError naming it and the columns present', async () => {
    const error = await run({ chart: 'scatter', x: 'umap_x', path: 'missing.png' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ code: 'E_DATA', column: 'umap_x' });
    expect((error as Error).message).toMatch(/no column "umap_x" \(param `x`\).*columns f0:Float64, f1.*is_anomaly:Bool/);
    await expect(run({ chart: 'score-histogram', path: 'missing.png' })).rejects.toThrow(/no column "score"/);
    await expect(run({ chart: 'scatter', color: 'nope', path: 'missing.png' })).rejects.toThrow(/no column "nope" \(param `color`\)/);
    await expect(run({ chart: 'scatter', x: 'label', path: 'missing.png' })).rejects.toThrow(/column "label" \(param `x`\) is not numeric/);
  });

  test('numeric-text columns are read as numbers, as features read them; a cell that is not a number is a DataError', async () => {
    const textFile = async (name: string, x: (string | null)[], y: (string | null)[]) => {
      const fields = [numericTextField('x'), numericTextField('y')];
      const children = [x, y].map((v) => vectorFromArray(v, new Utf8()).data[0]);
      const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: x.length, nullCount: 0, children }));
      await writeFile(path.join(dir, name), tableToIPC(new Table([batch]), 'file'));
      return path.join(dir, name);
    };
    const plot = (input: string, sink: Record<string, unknown>) => runPipeline(validatePipelineValue({ source: { type: 'ipc-source', path: input }, sink: { type: 'plot-sink', ...sink } }, dir));
    const good = await textFile('text.arrow', ['007', '1.50', '-inf', null, ' 2 '], ['1', '2', '3', '4', '5']);
    await plot(good, { chart: 'scatter', path: 'text.svg' });
    expect(marks((await readSvg('text.svg')).text, 'symbol')).toHaveLength(3);
    const bad = await textFile('text-bad.arrow', ['1', 'n/a'], ['1', '2']);
    const error = await plot(bad, { chart: 'scatter', path: 'text-bad.svg' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ column: 'x', row: 1, received: '"n/a"' });
    const scores = await textFile('score-bad.arrow', ['1', '2'], ['0.5', 'high']);
    await expect(plot(scores, { chart: 'score-histogram', score: 'y', path: 'score-bad.svg' })).rejects.toMatchObject({ column: 'y', row: 1 });
  });

  test('params that do not fit the chart are spec errors naming the key', () => {
    const spec = (sink: Record<string, unknown>) => () => validatePipelineValue({ source: { type: 'ipc-source', path: file }, sink: { type: 'plot-sink', ...sink } });
    expect(spec({ chart: 'scatter', path: 'a.png', threshold: 1 })).toThrow(SpecError);
    expect(spec({ chart: 'scatter', path: 'a.png', threshold: 1 })).toThrow(/threshold: only used by chart: score-histogram/);
    expect(spec({ chart: 'loss-curves', path: 'a.png' })).toThrow(/model: chart: loss-curves needs `model`/);
    expect(spec({ chart: 'scatter', path: 'a.jpg' })).toThrow(/path: expected a file ending in .png or .svg/);
    expect(spec({ chart: 'score-histogram', path: 'a.png', threshold: 1, model: 'm' })).toThrow(/not both/);
    expect(spec({ chart: 'scatter', path: 'a.png', colorType: 'nominal' })).toThrow(/colorType: needs `color`/);
    expect(spec({ chart: ['scatter', 'score-histogram'], path: 'a.png' })).toThrow(/path: 2 charts need one file each: put \{chart\} in the path/);
    expect(spec({ chart: ['scatter', 'scatter'], path: '{chart}.png' })).toThrow(/chart: each chart at most once/);
    expect(spec({ chart: ['scatter', 'loss-curves'], path: '{chart}.png', model: 'm', threshold: 1 })).toThrow(/threshold: only used by chart: score-histogram, not scatter, loss-curves/);
    expect(spec({ chart: [], path: '{chart}.png' })).toThrow(/chart: expected a list of one or more of scatter, score-histogram, loss-curves, received \[\]/);
    expect(spec({ chart: 'scater', path: 'a.png' })).toThrow(/chart: expected one of "scatter", .*, or a list of them, received "scater"/);
    expect(spec({ chart: ['scatter', 'histogram'], path: '{chart}.png' })).toThrow(/chart: expected each entry to be one of .* received "histogram"/);
    // With loss-curves in the list, `model` is needed for them and `threshold` sets the histogram's rule.
    expect(spec({ chart: ['score-histogram', 'loss-curves'], path: '{chart}.png', model: 'm', threshold: 1 })).not.toThrow();
  });

  test('failed runs leave neither their chart nor a temporary file behind', async () => {
    const files = await readdir(dir);
    expect(files.filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(files.filter((f) => /^(missing|big|pca-loss)\./.test(f))).toEqual([]);
  });
});
