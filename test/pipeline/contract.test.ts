import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Table, tableFromArrays, tableToIPC, type RecordBatch } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { saveDetector } from '../../src/artifact/model-dir.js';
import { TableCollector } from '../../src/connectors/table-sink.js';
import { allStages } from '../../src/pipeline/registry.js';
import type { Sink, SinkSummary, Source, StageContext, StageDefinition, Transform } from '../../src/contract/stage.js';
import { selectBackend } from '../../src/runtime/backend.js';
import { pcaFit } from '../../src/stages/pca-fit.js';
import { collect, fromArray, testContext } from '../helpers/context.js';
import { numbers, planeWithOutliers } from '../helpers/data.js';
import { registerRowNumber } from '../fixtures/row-number-stage.js';

// A user stage registered through the public API passes the same contract as the built-in ones.
registerRowNumber();

/**
 * The contract every registered stage keeps (STYLE.md): empty input gives empty output, inputs are never
 * mutated, close() is idempotent, an early stop releases resources, and the same seed gives the same output.
 * Each stage type needs an example here; a new stage without one fails the suite.
 */
let dir: string;
let modelDir: string;
const input: RecordBatch[] = planeWithOutliers(300, 6, 11, 100);

/**
 * How to run one stage type: its params and input; for a source, params that give no rows (`empty`, default
 * an empty file of its format) and a snapshot of what it reads (`readInput`, default the file's bytes and
 * mtime); for a sink, what it wrote (`output`, default the bytes at `params.path`; undefined: nothing).
 */
interface ExampleRun {
  params: Record<string, unknown>;
  input?: RecordBatch[];
  empty?: Record<string, unknown>;
  readInput?: () => Promise<unknown>;
  output?: () => Promise<Buffer | undefined>;
}
type Example = () => Promise<ExampleRun>;

/** An in-memory table of 50 rows (a: 0..49) for table-source. */
const memoryTable = () => tableFromArrays({ a: Float64Array.from({ length: 50 }, (_, i) => i) });

/** Stages whose contract runs against the real broker (test/integration/kafka-contract.int.test.ts). */
const BROKER_STAGES = new Set(['kafka-source', 'kafka-sink']);
const needsBroker: Example = async () => {
  throw new Error('this stage needs a Kafka broker; its contract runs in test/integration/kafka-contract.int.test.ts');
};

const examples: Record<string, Example> = {
  'csv-source': async () => {
    const file = path.join(dir, `in-${Math.random()}.csv`);
    await writeFile(file, `id,a,b\n${Array.from({ length: 50 }, (_, i) => `r${i},${i},${i * 0.5}`).join('\n')}\n`);
    return { params: { path: file, batchRows: 10 } };
  },
  'ipc-source': async () => {
    const file = path.join(dir, `in-${Math.random()}.arrow`);
    await writeFile(file, tableToIPC(tableFromArrays({ a: Float64Array.from({ length: 50 }, (_, i) => i) }), 'file'));
    return { params: { path: file, batchRows: 10 } };
  },
  'parquet-source': async () => {
    const file = path.join(dir, `in-${Math.random()}.parquet`);
    const t = tableFromArrays({ a: Float64Array.from({ length: 50 }, (_, i) => i) });
    await writeFile(file, pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(t, 'stream'))));
    return { params: { path: file, batchRows: 10 } };
  },
  'table-source': async () => {
    const table = memoryTable();
    return {
      params: { table, batchRows: 10 },
      empty: { table: tableFromArrays({ a: new Float64Array(0) }) },
      readInput: async () => ({ ipc: Buffer.from(tableToIPC(table, 'stream')), metadata: table.batches.map((b) => [...b.schema.metadata]) }),
    };
  },
  'table-sink': async () => {
    const into = new TableCollector();
    return { params: { into }, output: async () => (into.filled ? Buffer.from(tableToIPC(into.table, 'stream')) : undefined) };
  },
  'row-number': async () => ({ params: {} }),
  scale: async () => ({ params: { exclude: ['outlier'] } }),
  'autoencoder-fit': async () => ({ params: { exclude: ['outlier'], model: { epochs: 2 } } }),
  'pca-fit': async () => ({ params: { exclude: ['outlier'], k: 2 } }),
  score: async () => ({ params: { model: modelDir, featureErrors: true } }),
  encode: async () => ({ params: { model: modelDir } }),
  // The p-value path (calibration scores, Benjamini-Hochberg per batch); the saved-threshold path is the simpler one.
  threshold: async () => ({ params: { model: modelDir, rule: { method: 'fdr', q: 0.1 } }, input: await scored() }),
  'csv-sink': async () => ({ params: { path: path.join(dir, `out-${Math.random()}.csv`) } }),
  'ipc-sink': async () => ({ params: { path: path.join(dir, `out-${Math.random()}.arrow`) } }),
  'parquet-sink': async () => ({ params: { path: path.join(dir, `out-${Math.random()}.parquet`) } }),
  'null-sink': async () => ({ params: {} }),
  reconstruct: async () => ({ params: { model: modelDir } }),
  corrupt: async () => ({ params: { exclude: ['outlier'], noise: { type: 'gaussian', sigma: 0.1 }, originalPrefix: 'clean_' } }),
  slice: async () => ({ params: { offset: 50, rows: 120 } }),
  'image-grid-sink': async () => ({
    params: { path: path.join(dir, `grid-${Math.random()}.png`), rows: [{ columns: ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'] }], shape: [2, 3], range: [-3, 3] },
  }),
  'histogram-sink': async () => ({ params: { path: path.join(dir, `hist-${Math.random()}.png`), series: [{ prefix: 'f' }] } }),
  'plot-sink': async () => ({ params: { path: path.join(dir, `plot-${Math.random()}.png`), chart: 'scatter', x: 'f0', y: 'f1', color: 'outlier' } }),
  'report-sink': async () => ({ params: { path: path.join(dir, `report-${Math.random()}.html`), model: modelDir, topAnomalies: 5 }, input: await scored() }),
  umap: async () => ({ params: { exclude: ['outlier'], nEpochs: 30, sampleRows: 200 } }),
  tsne: async () => ({ params: { exclude: ['outlier'], iterations: 100, perplexity: 10 } }),
  'adaptive-threshold': async () => ({ params: { model: modelDir, warmupRows: 50, windowRows: 100 }, input: await scored() }),
  // Kafka connectors need a broker: test/integration/kafka-contract.int.test.ts runs this same contract on them.
  'kafka-source': needsBroker,
  'kafka-sink': needsBroker,
};

/** What a sink writes that is meant to differ between two runs, masked before comparing their bytes. */
const VOLATILE: Record<string, (text: string) => string> = {
  // The report footer says when it was generated (to the millisecond); everything else must be identical.
  'report-sink': (html) => html.replace(/<p>Generated \S+ by latentflow/, '<p>Generated <time> by latentflow'),
};

/** An empty file in the format of a file source (a header, or a schema without rows). */
async function emptyFile(type: string): Promise<string> {
  const file = path.join(dir, `empty-${Math.random()}.${type.split('-')[0]}`);
  if (type === 'csv-source') await writeFile(file, 'a,b\n');
  else if (type === 'ipc-source') await writeFile(file, tableToIPC(tableFromArrays({ a: new Float64Array(0) }), 'file'));
  else await writeFile(file, pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(tableFromArrays({ a: new Float64Array(0) }), 'stream'))));
  return file;
}

async function scored(): Promise<RecordBatch[]> {
  const { score } = await import('../../src/stages/score.js');
  const stage = score.create(score.params.parse({ model: modelDir }), testContext());
  return collect(stage.transform(fromArray(input)));
}

function create(def: StageDefinition, params: Record<string, unknown>, ctx: StageContext = testContext()) {
  return def.create(def.params.parse(params), ctx);
}

/** Runs a stage to completion on `batches` and returns what it produced (sinks: their summary). */
async function drive(def: StageDefinition, params: Record<string, unknown>, batches: RecordBatch[]) {
  const stage = create(def, params);
  try {
    if (stage.kind === 'source') return await collect((stage as Source).batches());
    if (stage.kind === 'transform') return await collect((stage as Transform).transform(fromArray(batches)));
    return await (stage as Sink).write(fromArray(batches));
  } finally {
    await stage.close();
  }
}

beforeAll(async () => {
  await selectBackend();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-contract-'));
  modelDir = path.join(dir, 'model');
  const ctx = testContext({ stageId: 'pca' });
  const fit = pcaFit.create(pcaFit.params.parse({ exclude: ['outlier'], k: 2, threshold: { method: 'contamination', value: 0.05 }, calibrationSplit: 0.2 }) as never, ctx);
  await collect(fit.transform(fromArray(input)));
  await saveDetector(modelDir, await ctx.models.get('pca'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('stage contract', () => {
  it('has an example for every registered stage', () => {
    expect(allStages().map((d) => d.type).filter((t) => !(t in examples))).toEqual([]);
  });

  for (const def of allStages().filter((d) => !BROKER_STAGES.has(d.type))) {
    describe(def.type, () => {
      it('gives empty output for empty input', async () => {
        const ex = await examples[def.type]();
        if (def.kind === 'source') {
          const out = (await drive(def, ex.empty ?? { path: await emptyFile(def.type) }, [])) as RecordBatch[];
          expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(0);
          return;
        }
        const { params } = ex;
        // A fit stage with no rows has no model to publish or save: that is an error (issue 11), not an empty run.
        if (def.type.endsWith('-fit')) {
          await expect(drive(def, params, [])).rejects.toMatchObject({ code: 'E_EMPTY_INPUT' });
          return;
        }
        const out = await drive(def, params, []);
        if (def.kind === 'transform') expect(out).toEqual([]);
        else expect((out as { rows: number }).rows).toBe(0);
      });

      it('does not mutate its input', async () => {
        const ex = await examples[def.type]();
        if (def.kind === 'source') {
          // A source's input is its file (or table): reading it leaves the bytes and the modification time as they were.
          const file = ex.params.path as string;
          const read = ex.readInput ?? (async () => ({ bytes: await readFile(file), mtimeMs: (await stat(file)).mtimeMs }));
          const before = await read();
          const out = (await drive(def, ex.params, [])) as RecordBatch[];
          expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(50);
          expect(await read()).toEqual(before);
          return;
        }
        const batches = ex.input ?? input;
        const before = batches.map((b) => ({ names: b.schema.fields.map((f) => f.name), f0: numbers(b, 'f0'), meta: [...b.schema.metadata] }));
        await drive(def, ex.params, batches);
        batches.forEach((b, i) => {
          expect(b.schema.fields.map((f) => f.name)).toEqual(before[i].names);
          expect(numbers(b, 'f0')).toEqual(before[i].f0);
          expect([...b.schema.metadata]).toEqual(before[i].meta);
        });
      });

      it('can be closed twice', async () => {
        const { params } = await examples[def.type]();
        const stage = create(def, params);
        await stage.close();
        await expect(stage.close()).resolves.toBeUndefined();
      });

      it('releases resources when the consumer stops early', async () => {
        const ex = await examples[def.type]();
        const stage = create(def, ex.params);
        const handles = () => process.getActiveResourcesInfo().filter((r) => r === 'FileHandle').length;
        const open = handles();
        if (stage.kind === 'source') {
          for await (const batch of (stage as Source).batches()) {
            expect(batch.numRows).toBeGreaterThan(0);
            break;
          }
        } else if (stage.kind === 'transform') {
          for await (const batch of (stage as Transform).transform(fromArray(ex.input ?? input))) {
            expect(batch.numRows).toBeGreaterThan(0);
            break;
          }
        } else {
          // A sink stopped by a failing input must leave nothing behind.
          const failing = (async function* () {
            yield input[0];
            throw new Error('upstream failed');
          })();
          await expect((stage as Sink).write(failing)).rejects.toThrow('upstream failed');
          const target = ex.params.path as string | undefined;
          if (target) expect((await readdir(path.dirname(target))).filter((f) => f.startsWith(path.basename(target)))).toEqual([]);
          if (ex.output) expect(await ex.output()).toBeUndefined();
        }
        await stage.close();
        // Handles close asynchronously; wait for them rather than guess a delay that a loaded machine can exceed.
        await vi.waitFor(() => expect(handles()).toBeLessThanOrEqual(open), { timeout: 5_000, interval: 10 });
      });

      it('gives the same output for the same seed', async () => {
        const ex = await examples[def.type]();
        if (def.kind === 'sink') {
          // The same input written twice to the same target gives the same bytes (the null sink: the same summary).
          const target = ex.params.path as string | undefined;
          const output = ex.output ?? (async () => (target ? await readFile(target) : undefined));
          const write = async () => {
            const summary = (await drive(def, ex.params, ex.input ?? input)) as SinkSummary;
            const bytes = await output();
            return { summary, bytes: bytes && def.type in VOLATILE ? Buffer.from(VOLATILE[def.type](bytes.toString('utf8'))) : bytes };
          };
          const first = await write();
          const second = await write();
          expect(first.summary.rows).toBe((ex.input ?? input).reduce((n, b) => n + b.numRows, 0));
          expect(second.summary).toEqual(first.summary);
          if (def.type !== 'null-sink') expect(first.bytes?.length).toBeGreaterThan(0);
          expect(second.bytes?.equals(first.bytes!) ?? first.bytes === undefined).toBe(true);
          return;
        }
        const run = async () => {
          const out = (await drive(def, ex.params, ex.input ?? input)) as RecordBatch[];
          return out.map((b) => b.schema.fields.map((f) => [f.name, Array.from(b.getChild(f.name)!.toArray() as ArrayLike<unknown>)]));
        };
        expect(await run()).toEqual(await run());
      });
    });
  }
});
