import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Field, RecordBatch, Schema, Struct, Table, makeData, makeVector, tableToIPC } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveDetector } from '../../src/artifact/model-dir.js';
import { LatentflowError } from '../../src/errors.js';
import { TableCollector } from '../../src/connectors/table-sink.js';
import { allStages } from '../../src/pipeline/registry.js';
import type { Sink, Source, StageDefinition, Transform } from '../../src/contract/stage.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { score } from '../../src/stages/score.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { registerRowNumber } from '../fixtures/row-number-stage.js';
import { FEATURES, PASS_THROUGH, columnSnapshot, hostileBatches, hostileCsv } from './hostile-data.js';

registerRowNumber();

/**
 * The hostile-input suite (issue 11): every registered stage runs through it by being registered. Transforms
 * get batches whose non-feature columns are every Arrow type a lossy copy changes and every column name that
 * breaks naive code, and must pass those columns through exactly; a transform that adds columns must refuse
 * an input column of the same name; file sinks must write those columns so their own source reads them back
 * unchanged and must not replace what is at a dangerous path; sources must name the file when it is
 * truncated or random; model stages must refuse damaged model directories with a typed error.
 */

let dir: string;
let modelDir: string;
const input = hostileBatches(300, 100);
/** The same rows with one dictionary for all batches: an Arrow IPC file cannot hold replacements. */
const sourceInput = hostileBatches(300, 100, true);
const features = [...FEATURES];

/** How a stage is driven in this suite. `rows` gives the input rows a transform is expected to emit. */
interface HostileExample {
  params: () => Record<string, unknown>;
  /** Scored batches instead of the plain hostile ones (stages that read a score column). */
  needsScores?: boolean;
  /** The range of input rows the transform emits (default: all, in order). */
  rows?: [number, number];
  /** Its `model` param names the suite's model directory, so damaged copies of it are tried too. */
  readsModel?: boolean;
  /** An in-memory source or sink (table-source, table-sink): no file, so the file cases do not apply. */
  inMemory?: boolean;
}

const BROKER = 'needs a Kafka broker (test/integration runs its contract)';
/** A fresh path in the suite's folder; the random part goes before the extension sinks check. */
const unique = (name: string) => {
  const ext = path.extname(name);
  return path.join(dir, `${path.basename(name, ext)}-${Math.random().toString(36).slice(2)}${ext}`);
};

/** An example per stage type; a registered stage missing here fails the first test. */
const examples: Record<string, HostileExample | typeof BROKER> = {
  'csv-source': { params: () => ({ path: unique('in.csv') }) },
  'ipc-source': { params: () => ({ path: unique('in.arrow') }) },
  'parquet-source': { params: () => ({ path: unique('in.parquet') }) },
  'kafka-source': BROKER,
  'table-source': { params: () => ({ table: sourceInput }), inMemory: true },
  'table-sink': { params: () => ({ into: new TableCollector() }), inMemory: true },
  // The user stage of test/fixtures, registered below: the hostile suite holds for it too.
  'row-number': { params: () => ({}) },
  scale: { params: () => ({ features }) },
  'autoencoder-fit': { params: () => ({ features, model: { epochs: 2 } }) },
  'pca-fit': { params: () => ({ features, k: 2 }) },
  score: { params: () => ({ model: modelDir, featureErrors: true }), readsModel: true },
  encode: { params: () => ({ model: modelDir }), readsModel: true },
  reconstruct: { params: () => ({ model: modelDir }), readsModel: true },
  corrupt: { params: () => ({ features, noise: { type: 'gaussian', sigma: 0.1 }, originalPrefix: 'clean_' }) },
  slice: { params: () => ({ offset: 50, rows: 120 }), rows: [50, 170] },
  threshold: { params: () => ({ model: modelDir }), needsScores: true, readsModel: true },
  umap: { params: () => ({ features, nEpochs: 20, sampleRows: 200 }) },
  tsne: { params: () => ({ features, iterations: 60, perplexity: 10 }) },
  'adaptive-threshold': { params: () => ({ model: modelDir, warmupRows: 50, windowRows: 100 }), needsScores: true, readsModel: true },
  drift: { params: () => ({ model: modelDir, windowRows: 100 }), needsScores: true, readsModel: true },
  'csv-sink': { params: () => ({ path: unique('out.csv') }) },
  'ipc-sink': { params: () => ({ path: unique('out.arrow') }) },
  'parquet-sink': { params: () => ({ path: unique('out.parquet') }) },
  'null-sink': { params: () => ({}) },
  'image-grid-sink': { params: () => ({ path: unique('grid.png'), rows: [{ columns: features }], shape: [2, 3], range: [-3, 3] }) },
  'histogram-sink': { params: () => ({ path: unique('hist.png'), series: [{ prefix: 'f' }] }) },
  'plot-sink': { params: () => ({ path: unique('plot.png'), chart: 'scatter', x: 'f0', y: 'f1', color: 'toString' }) },
  'report-sink': { params: () => ({ path: unique('report.html'), model: modelDir, topAnomalies: 5 }), needsScores: true, readsModel: true },
  'kafka-sink': BROKER,
};

let scored: RecordBatch[];

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-hostile-'));
  modelDir = path.join(dir, 'model');
  const ctx = testContext({ stageId: 'pca' });
  const fit = pcaFit.create(pcaFit.params.parse({ features, k: 2, threshold: { method: 'contamination', value: 0.05 } }) as never, ctx);
  await collect(fit.transform(fromArray(input)));
  await saveDetector(modelDir, await ctx.models.get('pca'));
  const stage = score.create(score.params.parse({ model: modelDir }), testContext());
  scored = await collect(stage.transform(fromArray(input)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function create(def: StageDefinition, params: Record<string, unknown>) {
  return def.create(def.params.parse(params), testContext());
}

async function runTransform(def: StageDefinition, params: Record<string, unknown>, batches: RecordBatch[]): Promise<RecordBatch[]> {
  const stage = create(def, params) as Transform;
  try {
    return await collect(stage.transform(fromArray(batches)));
  } finally {
    await stage.close();
  }
}

async function runSink(def: StageDefinition, params: Record<string, unknown>, batches: RecordBatch[]) {
  const stage = create(def, params) as Sink;
  try {
    return await stage.write(fromArray(batches));
  } finally {
    await stage.close();
  }
}

async function readSource(def: StageDefinition, params: Record<string, unknown>): Promise<RecordBatch[]> {
  const stage = create(def, params) as Source;
  try {
    return await collect(stage.batches());
  } finally {
    await stage.close();
  }
}

/** The snapshot of the input rows [from, to) of the pass-through columns, as a transform must emit them. */
function expectedSnapshot(batches: RecordBatch[], rows?: [number, number]) {
  const table = new Table(batches);
  const [from, to] = rows ?? [0, table.numRows];
  return columnSnapshot(table.slice(from, to).batches, PASS_THROUGH);
}

/** The file a source example reads, written from the hostile batches in that source's format. */
async function writeSourceFile(type: string, file: string): Promise<void> {
  if (type === 'csv-source') await writeFile(file, hostileCsv(200).text);
  else if (type === 'ipc-source') await writeFile(file, tableToIPC(new Table(sourceInput), 'file'));
  else await writeFile(file, pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(new Table(input), 'stream'))));
}

/** The source that reads back what a file sink wrote, by the sink's type. */
const readerOf: Record<string, string> = { 'csv-sink': 'csv-source', 'ipc-sink': 'ipc-source', 'parquet-sink': 'parquet-source' };

/** Expects `promise` to reject with a LatentflowError (never an internal TypeError/RangeError) whose message names `what`. */
async function expectTypedError(promise: Promise<unknown>, what: string): Promise<LatentflowError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a typed error naming ${what}`).toBeInstanceOf(LatentflowError);
  expect((error as Error).message).toContain(what);
  return error as LatentflowError;
}

/** Every file (path relative to `root`) under `root` with its size and mtime, to show a folder was not touched. */
async function treeState(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true })) {
    const s = await lstat(path.join(root, entry));
    out.push(`${entry}:${s.isDirectory() ? 'dir' : s.size}:${s.mtimeMs}`);
  }
  return out.sort();
}

const paramKeys = (def: StageDefinition): string[] => {
  const shape = (def.params as unknown as { shape?: Record<string, unknown>; def?: { in?: { shape?: Record<string, unknown> } } }).shape;
  if (shape) return Object.keys(shape);
  // Refined schemas (zod pipes) keep their object inside.
  const inner = (def.params as unknown as { def?: { schema?: { shape?: Record<string, unknown> }; in?: { shape?: Record<string, unknown> } } }).def;
  return Object.keys(inner?.schema?.shape ?? inner?.in?.shape ?? {});
};

describe('hostile inputs, every registered stage', () => {
  it('has a hostile example for every registered stage', () => {
    expect(allStages().map((d) => d.type).filter((t) => !(t in examples))).toEqual([]);
  });

  for (const def of allStages()) {
    const ex = examples[def.type];
    if (ex === undefined || ex === BROKER) continue;
    describe(def.type, () => {
      if (def.kind === 'transform') {
        it('passes every non-feature column through with its exact type and values', async () => {
          const batches = ex.needsScores ? scored : input;
          const out = await runTransform(def, ex.params(), batches);
          expect(columnSnapshot(out, PASS_THROUGH)).toEqual(expectedSnapshot(batches, ex.rows));
        });

        it('refuses an input column with the name of a column it adds, naming it', async () => {
          const batches = ex.needsScores ? scored : input;
          const inNames = new Set(batches[0].schema.fields.map((f) => f.name));
          const [first] = await runTransform(def, ex.params(), batches);
          const added = first.schema.fields.map((f) => f.name).filter((n) => !inNames.has(n));
          // Fit stages pass rows on, slice drops some, scale rewrites its features in place (documented),
          // drift only watches the rows go by.
          if (added.length === 0) return expect(def.type).toMatch(/fit$|^slice$|^scale$|^drift$/);
          // The first and the last added column: the leading output (score, z0, x) and a derived one.
          for (const name of new Set([added[0], added[added.length - 1]])) {
            const clashing = batches.map((b) => withExtraColumn(b, name));
            await expectTypedError(runTransform(def, ex.params(), clashing), name);
          }
        });
      }

      if (def.kind === 'sink') {
        it('writes hostile column names and types without an internal error', async () => {
          const batches = ex.needsScores ? scored : input;
          const summary = await runSink(def, ex.params(), batches);
          expect(summary.rows).toBe(300);
        });

        const reader = readerOf[def.type];
        if (reader !== undefined && reader !== 'csv-source') {
          it(`writes every pass-through column so ${reader} reads back the same type and values`, async () => {
            const params = ex.params();
            await runSink(def, params, input);
            const back = await readSource(allStages().find((d) => d.type === reader)!, { path: params.path });
            expect(columnSnapshot(back, PASS_THROUGH)).toEqual(expectedSnapshot(input));
          });
        }

        if (paramKeys(def).includes('path')) {
          it('refuses a directory at its path and leaves it untouched', async () => {
            const params = ex.params();
            const target = params.path as string;
            await mkdir(target);
            await writeFile(path.join(target, 'keep.txt'), 'user data');
            const before = await treeState(target);
            await expectTypedError(runSink(def, params, ex.needsScores ? scored : input), path.basename(target));
            expect(await treeState(target)).toEqual(before);
          });

          it('writes through a symlink at its path instead of replacing the link', async () => {
            const params = ex.params();
            const link = params.path as string;
            const real = `${link}.target`;
            await writeFile(real, 'old');
            await symlink(real, link);
            await runSink(def, params, ex.needsScores ? scored : input);
            expect((await lstat(link)).isSymbolicLink()).toBe(true);
            expect((await readFile(real)).toString()).not.toBe('old');
          });
        }
      }

      if (def.kind === 'source' && ex.inMemory) {
        it('reads hostile column names and types, passing every column through as it came', async () => {
          const out = await readSource(def, ex.params());
          expect(columnSnapshot(out, PASS_THROUGH)).toEqual(expectedSnapshot(input));
        });
      }

      if (def.kind === 'sink' && ex.inMemory) {
        it('collects every pass-through column with its exact type and values', async () => {
          const params = ex.params();
          await runSink(def, params, input);
          expect(columnSnapshot((params.into as TableCollector).table.batches, PASS_THROUGH)).toEqual(expectedSnapshot(input));
        });
      }

      if (def.kind === 'source' && !ex.inMemory) {
        it('reads hostile column names and types', async () => {
          const params = ex.params();
          await writeSourceFile(def.type, params.path as string);
          const out = await readSource(def, params);
          expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(def.type === 'csv-source' ? 200 : 300);
          if (def.type !== 'csv-source') expect(columnSnapshot(out, PASS_THROUGH)).toEqual(expectedSnapshot(input));
        });

        it('names the file when it is truncated', async () => {
          const params = ex.params();
          const file = params.path as string;
          await writeSourceFile(def.type, file);
          const bytes = await readFile(file);
          // Cut inside the data (CSV: inside a quoted field, so the record never ends).
          const cut = def.type === 'csv-source' ? bytes.indexOf('"constructor 5') + 3 : Math.floor(bytes.length * 0.6);
          await writeFile(file, bytes.subarray(0, cut));
          await expectTypedError(readSource(def, params), path.basename(file));
        });

        it('names the file when it holds random bytes', async () => {
          const params = ex.params();
          const file = params.path as string;
          let seed = 12345;
          const noise = Uint8Array.from({ length: 4096 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) & 0xff);
          await writeFile(file, noise);
          await expectTypedError(readSource(def, params), path.basename(file));
        });

        it('names the file when it does not exist', async () => {
          const params = ex.params();
          await expectTypedError(readSource(def, params), path.basename(params.path as string));
        });
      }

      if (ex.readsModel) {
        for (const [damage, apply] of Object.entries(DAMAGES)) {
          it(`refuses a model directory with ${damage}, naming the directory`, async () => {
            const damaged = unique('damaged-model');
            await copyDir(modelDir, damaged);
            await apply(damaged);
            const params = { ...ex.params(), model: damaged };
            const batches = ex.needsScores ? scored : input;
            const run = def.kind === 'sink' ? runSink(def, params, batches) : runTransform(def, params, batches);
            await expectTypedError(run, path.basename(damaged));
          });
        }
      }
    });
  }
});

/** `batch` with one more float64 column named `name` (all 1s), placed first so it is not mistaken for an output. */
function withExtraColumn(batch: RecordBatch, name: string): RecordBatch {
  const extra = makeVector(new Float64Array(batch.numRows).fill(1)).data[0];
  const fields = [new Field(name, extra.type, false), ...batch.schema.fields];
  const children = [extra, ...batch.data.children];
  return new RecordBatch(new Schema(fields, batch.schema.metadata), makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
}

/** The manifest file inside a model directory, wherever the layout keeps it. */
async function manifestOf(model: string): Promise<string> {
  const found = (await readdir(model, { recursive: true })).filter((f) => path.basename(f) === 'latentflow.json');
  if (found.length === 0) throw new Error(`no latentflow.json under ${model}`);
  // The newest version when the layout keeps several.
  const withTimes = await Promise.all(found.map(async (f) => ({ f, t: (await stat(path.join(model, f))).mtimeMs })));
  return path.join(model, withTimes.sort((a, b) => b.t - a.t)[0].f);
}

async function editManifest(model: string, edit: (m: Record<string, any>) => void): Promise<void> {
  const file = await manifestOf(model);
  const manifest = JSON.parse(await readFile(file, 'utf8'));
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
}

const DAMAGES: Record<string, (model: string) => Promise<void>> = {
  'no manifest': async (model) => rm(await manifestOf(model)),
  'a manifest that is not JSON': async (model) => writeFile(await manifestOf(model), '{"format": "latentflow-model", '),
  'a non-finite scaler statistic': (model) => editManifest(model, (m) => ((m.scaler.scale ?? m.scaler.mean)[0] = null)),
  'a non-finite threshold': (model) => editManifest(model, (m) => (m.threshold.threshold = null)),
  'no features': (model) => editManifest(model, (m) => (m.features = [])),
};

async function copyDir(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) await copyDir(src, dst);
    else if (entry.isSymbolicLink()) await symlink(await import('node:fs/promises').then((fs) => fs.readlink(src)), dst);
    else await writeFile(dst, await readFile(src));
  }
}

describe('hostile CSV text', () => {
  it('reaches a CSV sink through score exactly as it was read, cell by cell', async () => {
    const { text, passThrough } = hostileCsv(200);
    const inFile = unique('text.csv');
    const outFile = unique('text-out.csv');
    await writeFile(inFile, text);
    const csvSource = allStages().find((d) => d.type === 'csv-source')!;
    const csvSink = allStages().find((d) => d.type === 'csv-sink')!;
    const batches = await readSource(csvSource, { path: inFile, batchRows: 64 });
    const scoredRows = await runTransform(score as unknown as StageDefinition, { model: modelDir }, batches);
    await runSink(csvSink, { path: outFile }, scoredRows);
    const { parse } = await import('csv-parse/sync');
    const before = parse(text) as string[][];
    const after = parse(await readFile(outFile, 'utf8')) as string[][];
    expect(after.length).toBe(before.length);
    for (const name of passThrough) {
      const i = before[0].indexOf(name);
      const j = after[0].indexOf(name);
      expect(j, `column ${JSON.stringify(name)} in the output`).toBeGreaterThanOrEqual(0);
      expect(after.map((row) => row[j])).toEqual(before.map((row) => row[i]));
    }
  });
});
