import { DataType, Schema, Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { writeAtomically, type AtomicFile } from '../io/atomic-file.js';
import { resolveFilePath } from '../io/output-target.js';
import { Closers } from '../io/closers.js';
import { DictionaryUnifier } from '../io/dictionaries.js';
import { SchemaGuard, fileSchema, relabel } from '../io/file-schema.js';
import { defineStage, type Sink, type SinkSummary, type StageContext } from '../contract/stage.js';
import { checkWritable, fileSink } from './closable.js';
import { ParquetEncoder } from './parquet-encoder.js';
import type { EncoderSetup } from './parquet-encoder-protocol.js';

const TYPE = 'parquet-sink';

/** Parameters of {@link parquetSink}. */
const params = z
  .object({
    /** File to write (replaced atomically). */
    path: z.string().min(1).describe('Parquet file to write, replaced atomically when done (devices, FIFOs and - for stdout are written directly); a relative path resolves against the pipeline file folder'),
    /** Column compression codec, default zstd. */
    compression: z.enum(['zstd', 'snappy', 'gzip', 'none']).default('zstd').describe('Compression codec for every column chunk'),
    /** Rows per row group, default 65536: the writer's memory bound and the reader's unit of work. */
    rowGroupRows: z
      .number()
      .int()
      .positive()
      .default(65536)
      .describe('Rows per row group (rows); the writer buffers at most one row group, readers read one at a time'),
  })
  .strict();

/** Validated params of `parquet-sink`. */
export type ParquetSinkParams = z.output<typeof params>;

/**
 * Writes batches to a Parquet file through parquet-wasm's streaming writer (`transformParquetStream`), run
 * in a worker thread (see {@link ParquetEncoder}) so encoding overlaps the pipeline's work on the next batch:
 * it pulls one batch at a time (one more is made ready ahead), buffers at most `rowGroupRows` rows (the open
 * row group), and emits each row group's bytes, which go straight to a temp file renamed into place at the end. The schema comes from the
 * first batch (every column optional, per-batch source metadata dropped); a later batch whose columns or
 * types differ is a DataError naming the column. An input without rows is written in one call (the
 * streaming writer needs at least one batch): a valid Parquet file with the columns of the zero-row
 * batches, or with no columns when there was no batch at all.
 */
export const parquetSink = defineStage({
  type: TYPE,
  kind: 'sink',
  description: 'Writes batches to a Parquet file, one row group at a time (atomically: temp file renamed into place)',
  params,
  create(p, ctx): Sink {
    return fileSink(TYPE, p.path, ctx, (input, { closers, isClosed }) => writeParquet(p, ctx, input, closers, isClosed));
  },
});

async function writeParquet(p: ParquetSinkParams, ctx: StageContext, input: AsyncIterable<RecordBatch>, closers: Closers, isClosed: () => boolean): Promise<SinkSummary> {
  const target = resolveFilePath(ctx.baseDir, p.path);
  const setup = (columns?: Schema): EncoderSetup => ({
    compression: p.compression,
    rowGroupRows: p.rowGroupRows,
    // Float columns are written without a dictionary: measured values rarely repeat, and parquet-wasm's
    // dictionary attempt (hashing every value until the page limit makes it fall back) was half of the
    // writer's time on a float file. The values read back are the same either way.
    plainColumns: (columns?.fields ?? []).filter((f) => DataType.isFloat(f.type)).map((f) => f.name),
  });

  const body = async (file: AtomicFile): Promise<SinkSummary> => {
    const batches = input[Symbol.asyncIterator]();
    const guard = new SchemaGuard(TYPE, target);
    const dictionaries = new DictionaryUnifier(TYPE);
    let index = 0;
    let rows = 0;
    let written = 0;
    let schema: Schema | undefined;

    /** The next batch with rows, checked against the first batch; undefined at the end of the input. */
    const next = async (): Promise<RecordBatch | undefined> => {
      for (;;) {
        checkWritable(ctx.signal, isClosed, TYPE, target);
        const r = await batches.next();
        if (r.done === true) return undefined;
        // Dictionary columns stay dictionaries (the file's Arrow schema says so, and readers get them back);
        // batches with different dictionaries are put on one dictionary type.
        const batch = dictionaries.unify(r.value);
        guard.check(batch, index++);
        schema ??= fileSchema(batch.schema);
        if (batch.numRows > 0) return batch;
      }
    };

    let encoder: ParquetEncoder | undefined;
    try {
      const first = await next();
      if (first === undefined) {
        // parquet-wasm loads here only: on this thread it is needed for an empty file alone (the encoding
        // thread has its own), and loading it (compiling its module) was a third of a second of every start.
        const [pw, { writerProperties }] = await Promise.all([import('parquet-wasm/node'), import('./parquet-writer-properties.js')]);
        const empty = pw.Table.fromIPCStream(tableToIPC(new Table(schema ?? new Schema([])), 'stream'));
        await file.write(pw.writeParquet(empty, writerProperties(setup(schema))));
        ctx.logger.info({ file: target, rows: 0 }, `${TYPE}: wrote an empty file ${target}`);
        return { rows: 0, batches: 0, target };
      }
      encoder = ParquetEncoder.start(setup(schema));
      // One batch is made ready ahead: while the thread encodes a batch, this thread reads and transforms
      // the next one. Its rejection is taken when it is awaited (marked handled until then).
      let ready: Promise<RecordBatch | undefined> = Promise.resolve(first);
      for (;;) {
        const reply = await encoder.next();
        if (reply.kind === 'bytes') await file.write(reply.bytes);
        else if (reply.kind === 'pull') {
          const batch = await ready;
          if (batch === undefined) {
            encoder.end();
            continue;
          }
          encoder.send(tableToIPC(new Table([relabel(batch, schema!)]), 'stream'));
          rows += batch.numRows;
          written++;
          ready = next();
          ready.catch(() => undefined);
        } else if (reply.kind === 'done') break;
        else throw new Error(`${TYPE}: ${reply.message}`);
      }
    } catch (err) {
      // Stop the upstream generator too (its finally releases what it holds); harmless if it already ended.
      await batches.return?.().catch(() => undefined);
      throw err;
    } finally {
      await encoder?.close();
    }
    ctx.logger.info({ file: target, rows, batches: written, compression: p.compression }, `${TYPE}: wrote ${rows} rows to ${target}`);
    return { rows, batches: written, target };
  };
  return writeAtomically(target, TYPE, body, closers);
}
