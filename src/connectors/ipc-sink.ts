import { AsyncByteQueue, RecordBatchFileWriter, RecordBatchStreamWriter, Schema, type RecordBatch, type RecordBatchWriter } from 'apache-arrow';
import { z } from 'zod';
import { writeAtomically, type AtomicFile } from '../io/atomic-file.js';
import { resolveFilePath } from '../io/output-target.js';
import { Closers } from '../io/closers.js';
import { DictionaryUnifier } from '../io/dictionaries.js';
import { SchemaGuard, fileSchema, relabel } from '../io/file-schema.js';
import { defineStage, type Sink, type SinkSummary, type StageContext } from '../contract/stage.js';
import { checkWritable, fileSink } from './closable.js';

const TYPE = 'ipc-sink';

/** Parameters of {@link ipcSink}. */
const params = z
  .object({
    /** File to write (replaced atomically). */
    path: z.string().min(1).describe('Arrow IPC file to write, replaced atomically when done (devices, FIFOs and - for stdout are written directly); a relative path resolves against the pipeline file folder'),
    /** IPC flavour, default `file`. */
    format: z
      .enum(['file', 'stream'])
      .default('file')
      .describe('file: random-access IPC file (.arrow, Feather v2); stream: IPC stream format (.arrows), readable sequentially'),
  })
  .strict();

/** Validated params of `ipc-sink`. */
export type IpcSinkParams = z.output<typeof params>;

/**
 * Collects the bytes an Arrow writer emits so they can be written (and awaited) right after each batch:
 * the writer's own queue has no backpressure, so draining it per batch keeps memory at one batch.
 */
class ChunkCollector extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];

  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }

  take(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    return out;
  }
}

/**
 * Writes batches in Arrow IPC file or stream format to a temp file renamed into place at the end. The
 * schema comes from the first batch (every field written nullable, per-batch source metadata dropped); a
 * later batch whose columns or types differ is a DataError naming the column. Dictionary-encoded columns
 * are written decoded (plain values): batches built separately carry different dictionaries, which the
 * IPC file format cannot replace mid-file. Each batch's bytes are
 * written before the next batch is pulled. Zero-row batches only contribute the schema; with no batch at
 * all the file holds an empty schema (zero columns, zero batches), which Arrow readers accept.
 */
export const ipcSink = defineStage({
  type: TYPE,
  kind: 'sink',
  description: 'Writes batches to an Arrow IPC file or stream (atomically: temp file renamed into place)',
  params,
  create(p, ctx): Sink {
    return fileSink(TYPE, p.path, ctx, (input, { closers, isClosed }) => writeIpc(p, ctx, input, closers, isClosed));
  },
});

async function writeIpc(p: IpcSinkParams, ctx: StageContext, input: AsyncIterable<RecordBatch>, closers: Closers, isClosed: () => boolean): Promise<SinkSummary> {
  const target = resolveFilePath(ctx.baseDir, p.path);
  const body = async (file: AtomicFile): Promise<SinkSummary> => {
    const sink = new ChunkCollector();
    const writer: RecordBatchWriter = p.format === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
    writer.reset(sink);
    const flush = async (): Promise<void> => {
      for (const chunk of sink.take()) await file.write(chunk);
    };
    const guard = new SchemaGuard(TYPE, target);
    const dictionaries = new DictionaryUnifier(TYPE);
    let schema: Schema | undefined;
    let rows = 0;
    let batches = 0;
    let index = 0;
    for await (const original of input) {
      checkWritable(ctx.signal, isClosed, TYPE, target);
      // Dictionary columns stay dictionaries: one growing dictionary per column, written as deltas.
      const batch = dictionaries.unify(original);
      guard.check(batch, index++);
      if (schema === undefined) {
        schema = fileSchema(batch.schema);
        // Writes the schema message now, so even an all-empty input gives a file with the columns.
        writer.reset(sink, schema);
      }
      if (batch.numRows === 0) continue;
      writer.write(relabel(batch, schema));
      await flush();
      rows += batch.numRows;
      batches++;
    }
    if (schema === undefined) writer.reset(sink, new Schema([]));
    writer.close();
    await flush();
    ctx.logger.info({ file: target, rows, batches, format: p.format }, `${TYPE}: wrote ${rows} rows to ${target}`);
    return { rows, batches, target };
  };
  return writeAtomically(target, TYPE, body, closers);
}
