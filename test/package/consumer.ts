// A new user's first program, in a new TypeScript project where latentflow was installed from its packed
// tarball (scripts/test-pack.sh). Compiled there with `tsc --strict` and no `--skipLibCheck` by each
// TypeScript version the script names (the @ts-expect-error lines are part of the test: a typo in a
// pipeline must not compile), then run: the README's library examples, on the data the package ships.
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Int32, makeData, RecordBatch, Schema, Struct, Field } from 'apache-arrow';
import { z } from 'zod';
import {
  AnomalyDetector,
  Autoencoder,
  DataError,
  definePipeline,
  defineStage,
  fitDetector,
  loadDetector,
  registerStage,
  runPipeline,
  selectBackend,
  TableCollector,
  type RunSummary,
} from 'latentflow';

// A user stage: counts the rows of each batch into a new column. Declared in StageTypes so typed pipelines know it.
const batchRows = defineStage({
  type: 'batch-rows',
  kind: 'transform',
  description: 'Adds the row count of each batch',
  params: z.strictObject({ column: z.string().default('batch_rows') }),
  create(p) {
    return {
      kind: 'transform',
      async *transform(input) {
        for await (const batch of input) {
          if (batch.schema.fields.some((f) => f.name === p.column)) throw new DataError(`column ${p.column} exists`, { column: p.column });
          const field = new Field(p.column, new Int32(), false);
          const fields = [...batch.schema.fields, field];
          const column = makeData({ type: field.type, length: batch.numRows, data: new Int32Array(batch.numRows).fill(batch.numRows) });
          yield new RecordBatch(new Schema(fields, batch.schema.metadata), makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children: [...batch.data.children, column] }));
        }
      },
      async close() {},
    };
  },
});
registerStage(batchRows);
declare module 'latentflow' {
  interface StageTypes {
    'batch-rows': typeof batchRows;
  }
}

const pkg = path.dirname(createRequire(import.meta.url).resolve('latentflow/package.json'));
const train = path.join(pkg, 'data/quickstart/train.csv');
const out = await mkdtemp(path.join(os.tmpdir(), 'latentflow-consumer-'));

// The README's pipeline, in code.
const spec = definePipeline({
  source: { type: 'csv-source', path: train },
  seed: 1,
  stages: [{ type: 'autoencoder-fit', id: 'ae', saveTo: path.join(out, 'model'), model: { epochs: 3 } }, { type: 'score', model: 'ae' }, { type: 'batch-rows' }],
  sink: { type: 'parquet-sink', path: path.join(out, 'scored.parquet') },
});
const summary: RunSummary = await runPipeline(spec);
assert.equal(summary.rows, 5000);
assert.ok((await readdir(out)).includes('scored.parquet'));
assert.ok(await loadDetector(path.join(out, 'model')));

// Typos do not compile (and throw for JavaScript callers).
// @ts-expect-error "csv-sorce" is no stage type, and a path is a string
assert.throws(() => definePipeline({ source: { type: 'csv-sorce', path: 1 }, sink: { type: 'null-sink' } }), /unknown stage type/);
// @ts-expect-error batchRow is not a csv-source param
assert.throws(() => definePipeline({ source: { type: 'csv-source', path: train, batchRow: 9 }, sink: { type: 'null-sink' } }), /batchRow/);
// @ts-expect-error the user stage's params are typed as well
assert.throws(() => definePipeline({ source: { type: 'csv-source', path: train }, stages: [{ type: 'batch-rows', column: 3 }], sink: { type: 'null-sink' } }), /column/);

// In-memory Arrow in and out, then the one-call detector on the table.
const collected = new TableCollector();
await runPipeline(definePipeline({ source: { type: 'csv-source', path: train }, sink: { type: 'table-sink', into: collected } }));
const table = collected.table;
assert.equal(table.numRows, 5000);
const detector: AnomalyDetector = await fitDetector(table, { model: { epochs: 3 } });
const flags: Uint8Array = detector.predict(table);
const flagged = flags.reduce((n, f) => n + f, 0);
assert.ok(flagged > 0 && flagged <= 50, `contamination 0.01 flags at most 50 of 5000 training rows, flagged ${flagged}`);
await detector.save(path.join(out, 'detector'));
const loaded = await AnomalyDetector.load(path.join(out, 'detector'));
assert.deepEqual(loaded.score(table), detector.score(table));
detector.dispose();
loaded.dispose();

// A model on its own, on a matrix.
await selectBackend();
const rows = 64;
const cols = 4;
const data = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i));
const ae = new Autoencoder(cols, { codeSize: 2, seed: 1, epochs: 2 });
await ae.fit({ data, rows, cols });
assert.equal(ae.score({ data, rows, cols }).length, rows);
ae.dispose();
console.log(JSON.stringify({ ok: true, rows: summary.rows, backend: summary.backend, flagged }));
