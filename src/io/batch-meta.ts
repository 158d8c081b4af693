import type { RecordBatch } from 'apache-arrow';
import type { DataLocation } from '../errors.js';

/**
 * Schema-metadata keys that sources put on each batch so a later stage can report a bad value where the
 * user can find it (file line, global row). Each batch carries its own schema instance, so these are per
 * batch. All values are strings (Arrow metadata is string -> string).
 */
export const META = {
  /** Path of the file the batch came from. */
  file: 'latentflow.file',
  /** Comma-separated Kafka topics a consumer read the batch from (the report names its input by them). */
  topics: 'latentflow.topics',
  /** 0-based index, in the whole stream, of the batch's first row. */
  firstRow: 'latentflow.firstRow',
  /** 1-based file line of the batch's first row, when every row in the batch is exactly one line. */
  firstLine: 'latentflow.firstLine',
  /** Comma-separated 1-based file line of every row, when some record spans several lines. */
  lines: 'latentflow.lines',
  /** The run's acknowledgement token of the batch (see contract/acks.ts); file sinks do not write it. */
  ack: 'latentflow.ack',
  /** Key prefix, followed by a watched model directory: the model version the batch is handled with (stages/shared/model-ref.ts). */
  modelVersion: 'latentflow.model-version:',
} as const;

/** Where row `row` of `batch` (the `batchIndex`-th in the stream) came from, as far as the source said. */
export function rowLocation(batch: RecordBatch, batchIndex: number, row: number): DataLocation {
  const meta = batch.schema.metadata;
  const loc: DataLocation = { batch: batchIndex, row };
  const file = meta.get(META.file);
  if (file !== undefined) loc.file = file;
  const firstLine = meta.get(META.firstLine);
  if (firstLine !== undefined) {
    loc.line = Number(firstLine) + row;
  } else {
    const lines = meta.get(META.lines);
    if (lines !== undefined) {
      const line = Number(lines.split(',')[row]);
      if (Number.isFinite(line)) loc.line = line;
    }
  }
  return loc;
}

/** Builds the metadata map a source attaches to a batch. */
export function sourceMetadata(entries: { file?: string; firstRow: number; firstLine?: number; lines?: readonly number[] }): Map<string, string> {
  const m = new Map<string, string>();
  if (entries.file !== undefined) m.set(META.file, entries.file);
  m.set(META.firstRow, String(entries.firstRow));
  if (entries.firstLine !== undefined) m.set(META.firstLine, String(entries.firstLine));
  else if (entries.lines !== undefined) m.set(META.lines, entries.lines.join(','));
  return m;
}
