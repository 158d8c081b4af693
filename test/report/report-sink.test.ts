import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveDetector } from '../../src/artifact/model-dir.js';
import { main } from '../../src/cli/main.js';
import { reportSpec } from '../../src/cli/report.js';
import { reportSink } from '../../src/connectors/report-sink.js';
import { FLAG_COLORS } from '../../src/plots/scatter.js';
import { escapeHtml, reportHtml } from '../../src/report/html.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { score } from '../../src/stages/score.js';
import { threshold } from '../../src/stages/threshold.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { planeWithOutliers } from '../helpers/data.js';
import { planeDetector } from './helpers.js';

let dir: string;
let modelDir: string;
/** New rows for the report: 300 rows, 6 pushed off the plane. */
const fresh: RecordBatch[] = planeWithOutliers(300, 6, 99, 64);

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-report-'));
  modelDir = path.join(dir, 'model');
  const detector = await planeDetector();
  await saveDetector(modelDir, detector);
  detector.dispose();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scoredAndFlagged(batches: RecordBatch[]): Promise<RecordBatch[]> {
  const ctx = testContext();
  const scored = score.create(score.params.parse({ model: modelDir }), ctx).transform(fromArray(batches));
  return collect(threshold.create(threshold.params.parse({ model: modelDir }) as never, ctx).transform(scored));
}

async function writeReport(params: Record<string, unknown>, batches: RecordBatch[]): Promise<string> {
  const file = path.join(dir, `r-${Math.random()}.html`);
  const sink = reportSink.create(reportSink.params.parse({ path: file, model: modelDir, ...params }), testContext());
  try {
    const summary = await sink.write(fromArray(batches));
    expect(summary.target).toBe(file);
  } finally {
    await sink.close();
  }
  return readFile(file, 'utf8');
}

/** Row scores of the anomaly table, top to bottom. */
function tableScores(html: string): number[] {
  return [...html.matchAll(/<tr data-rank="\d+" data-score="([^"]+)">/g)].map((m) => Number(m[1]));
}

describe('report-sink', () => {
  it('ranks the injected outliers on top of the anomaly table, highest score first', async () => {
    const html = await writeReport({ topAnomalies: 6, columns: ['outlier'] }, await scoredAndFlagged(fresh));
    const scores = tableScores(html);
    expect(scores).toHaveLength(6);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The table's extra column shows every listed row is a true outlier.
    const rows = [...html.matchAll(/<tr data-rank=[^>]*>(.*?)<\/tr>/g)].map((m) => m[1]);
    for (const row of rows) expect(row).toMatch(/<td class="text" title="1"><span class="cut">1<\/span><\/td><td><ul class="contrib">/);
    expect(html).toContain('<th>id</th>');
    expect(html).toMatch(/Rows scored<\/dt><dd>300<\/dd>/);
    expect(html).toContain('data-chart="score-histogram"');
    // No x/y columns: the map section explains how to get one; PCA has no loss curves.
    expect(html).toMatch(/No map: the rows have no numeric &quot;x&quot; and &quot;y&quot; columns/);
    expect(html).toMatch(/No training history/);
  });

  it('names the input (in-memory here) and the model (kind, code size, directory) in the header', async () => {
    const html = await writeReport({}, fresh);
    expect(html).toContain('<dd data-subject="input">in-memory batches (no file or topic)</dd>');
    expect(html).toContain(`<dd data-subject="model">PCA; 2 components · ${escapeHtml(modelDir)}</dd>`);
  });

  it('colours the map by a label column with its anomalies in the alarm red, drawn after the normal rows', async () => {
    const labelled = (await scoredAndFlagged(fresh)).map((b) => {
      const cols: Record<string, unknown> = {};
      for (const f of b.schema.fields) cols[f.name] = b.getChild(f.name)!.toArray();
      cols.x = Float64Array.from(b.getChild('f0')!.toArray() as Float64Array);
      cols.y = Float64Array.from(b.getChild('f1')!.toArray() as Float64Array);
      cols.label = Array.from({ length: b.numRows }, (_, i) => (b.getChild('outlier')!.get(i) ? 'anomaly' : 'normal'));
      return tableFromArrays(cols as never).batches[0] as unknown as RecordBatch;
    });
    const outliers = fresh.reduce((n, b) => n + (b.getChild('outlier')!.toArray() as Float64Array).filter((v) => v === 1).length, 0);
    expect(outliers).toBeGreaterThan(0);
    const html = await writeReport({ color: 'label', maxPoints: 1000 }, labelled);
    const map = /<figure class="chart" data-chart="map">([\s\S]*?)<\/figure>/.exec(html)![1];
    const group = /<g class="mark-symbol role-mark[^"]*"[^>]*>(.*?)<\/g>/s.exec(map)![1];
    const symbolFills = [...group.matchAll(/fill="([^"]+)"/g)].map((m) => m[1]);
    expect(symbolFills).toHaveLength(300);
    expect(symbolFills.slice(-outliers)).toEqual(new Array(outliers).fill(FLAG_COLORS.anomaly));
    expect(symbolFills.slice(0, -outliers).every((f) => f === FLAG_COLORS.normal)).toBe(true);
  });

  it('logY forces the histogram count axis either way (default: the shared rule of prefersLogCounts)', async () => {
    const histogram = (html: string) => /<figure class="chart" data-chart="score-histogram">([\s\S]*?)<\/figure>/.exec(html)![1];
    const scored = await scoredAndFlagged(fresh);
    expect(histogram(await writeReport({ logY: true }, scored))).toContain('rows (log scale)');
    const linear = histogram(await writeReport({ logY: false }, scored));
    expect(linear).not.toContain('log scale');
    expect(linear).toContain('>rows<');
  });

  it('scores the rows itself when there is no score column, flagging by the model threshold', async () => {
    const fromColumns = await writeReport({ topAnomalies: 4 }, await scoredAndFlagged(fresh));
    const selfScored = await writeReport({ topAnomalies: 4 }, fresh);
    expect(tableScores(selfScored)).toEqual(tableScores(fromColumns));
    expect(selfScored.match(/<span class="flag">yes<\/span>/g)?.length).toBe(fromColumns.match(/<span class="flag">yes<\/span>/g)?.length);
  });

  it('draws the map from x/y columns, coloured by the flag', async () => {
    const withMap = (await scoredAndFlagged(fresh)).map((b) => {
      const cols: Record<string, unknown> = {};
      for (const f of b.schema.fields) cols[f.name] = b.getChild(f.name)!.toArray();
      cols.x = Float64Array.from({ length: b.numRows }, (_, i) => i);
      cols.y = Float64Array.from(b.getChild('f0')!.toArray() as Float64Array);
      cols.is_anomaly = Array.from({ length: b.numRows }, (_, i) => b.getChild('is_anomaly')!.get(i) as boolean);
      return tableFromArrays(cols as never).batches[0] as unknown as RecordBatch;
    });
    const html = await writeReport({ maxPoints: 100 }, withMap);
    const map = /<figure class="chart" data-chart="map">([\s\S]*?)<\/figure>/.exec(html);
    expect(map).not.toBeNull();
    expect(map![1]).toMatch(/^<svg/);
    expect(html).toMatch(/Coloured by is_anomaly\. A seeded sample of 100 of 300 rows\./);
  });

  it('escapes markup in column values and the title', async () => {
    const hostile = fresh.map((b, i) => {
      const cols: Record<string, unknown> = {};
      for (const f of b.schema.fields) cols[f.name] = b.getChild(f.name)!.toArray();
      cols.id = Array.from({ length: b.numRows }, (_, r) => (i === 0 && r < 64 ? '<script>alert("x")</script>' : `r${r}`));
      cols.note = Array.from({ length: b.numRows }, () => `<img src=x onerror=alert(1)>&'`);
      return tableFromArrays(cols as never).batches[0] as unknown as RecordBatch;
    });
    // topAnomalies covers every row, so the hostile ids are in the table.
    const html = await writeReport({ topAnomalies: 300, columns: ['note'], title: '<b>pumps</b>' }, hostile);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&amp;&#39;');
    expect(html).toContain('<title>&lt;b&gt;pumps&lt;/b&gt;</title>');
  });

  it('writes a report on no rows and leaves no temp file', async () => {
    const html = await writeReport({}, []);
    expect(html).toMatch(/Rows scored<\/dt><dd>0<\/dd>/);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a path that is not .html', () => {
    expect(() => reportSink.params.parse({ path: 'out/report.png', model: 'm' })).toThrow(/end the path in .html/);
  });
});

describe('reportHtml', () => {
  it('escapes every text field and uses no script, stylesheet link or external URL', () => {
    const html = reportHtml({
      title: 'a<b',
      generatedAt: '2026-01-01T00:00:00.000Z',
      version: '0.1.0',
      subject: { input: '<in>', model: '<m>' },
      overview: [['x"y', "it's"]],
      model: [['<k>', '<v>']],
      charts: [{ id: 'c', title: '<t>', svg: null, note: '<n>' }],
      anomalies: {
        idColumn: '<id>',
        extraColumns: ['<e>'],
        rows: [{ rank: 1, rowNumber: 3, id: '<script>', score: 1.5, isAnomaly: true, extra: ['<x>'], contributions: [{ feature: '<f>', value: 1, reconstruction: 0.5, error: 0.25, share: 1 }] }],
      },
    });
    expect(html).not.toMatch(/<(script|link|iframe|img)\b/i);
    expect(html).not.toMatch(/(src|href)=/i);
    for (const text of ['a<b', '<in>', '<m>', 'x"y', "it's", '<k>', '<v>', '<t>', '<n>', '<id>', '<e>', '<script>', '<x>', '<f>']) expect(html).toContain(escapeHtml(text));
  });
});

describe('latentflow report', () => {
  it('scores, flags, maps and reports a CSV file through the CLI', async () => {
    const csv = path.join(dir, 'new.csv');
    const { writeFile } = await import('node:fs/promises');
    const header = 'id,f0,f1,f2,f3,f4,f5,outlier';
    const lines = fresh.flatMap((b) =>
      Array.from({ length: b.numRows }, (_, r) => b.schema.fields.map((f) => String(b.getChild(f.name)!.get(r))).join(',')),
    );
    await writeFile(csv, `${header}\n${lines.join('\n')}\n`);
    const out = path.join(dir, 'cli', 'report.html');
    const write = process.stdout.write;
    let stdout = '';
    process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['node', 'latentflow', 'report', '-i', csv, '-m', modelDir, '-o', out, '--top', '5', '--columns', 'outlier', '--no-progress', '--log-level', 'silent']);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    expect(stdout).toContain(out);
    const html = await readFile(out, 'utf8');
    expect(tableScores(html)).toHaveLength(5);
    // No x/y in the input: the CLI added encode -> umap, so the map is drawn.
    expect(html).toContain('data-chart="map"');
    expect(html).toContain(`<dd data-subject="input">${escapeHtml(csv)}</dd>`);
    // --linear reaches the sink as logY: false; without it the sink's default rule applies.
    const spec = await reportSpec({ input: csv, model: modelDir, out, map: false, linear: true });
    expect(spec.sink.params.logY).toBe(false);
    expect((await reportSpec({ input: csv, model: modelDir, out, map: false })).sink.params.logY).toBeUndefined();
  });
});
