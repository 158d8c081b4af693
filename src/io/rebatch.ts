import { RecordBatch, Struct, makeData, type Data } from 'apache-arrow';
import { concatData } from './concat-data.js';

/**
 * Re-slices a stream of batches (all with the same fields) into batches of exactly `batchRows` rows, the
 * last one possibly shorter. Slices share buffers with the input; only a batch assembled from the tail of
 * one input batch and the head of the next is copied. Zero-row inputs are dropped, except that a stream
 * with no rows at all yields one zero-row batch (the first one seen) so the schema still reaches the sink.
 * Each output batch has the schema (and metadata) of the input batch its first row came from.
 */
export async function* rebatch(input: AsyncIterable<RecordBatch>, batchRows: number): AsyncGenerator<RecordBatch> {
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`rebatch: batchRows must be a positive integer, got ${batchRows}`);
  let pending: RecordBatch[] = [];
  let pendingRows = 0;
  let emptySeen: RecordBatch | undefined;
  let yielded = false;
  for await (const batch of input) {
    if (batch.numRows === 0) {
      emptySeen ??= batch;
      continue;
    }
    let start = 0;
    if (pendingRows > 0) {
      const take = Math.min(batchRows - pendingRows, batch.numRows);
      pending.push(batch.slice(0, take));
      pendingRows += take;
      start = take;
      if (pendingRows < batchRows) continue;
      yielded = true;
      yield concatBatches(pending);
      pending = [];
      pendingRows = 0;
    }
    // Whole slices straight from this batch; the tail waits for the next one.
    while (batch.numRows - start >= batchRows) {
      yielded = true;
      yield start === 0 && batch.numRows === batchRows ? batch : batch.slice(start, start + batchRows);
      start += batchRows;
    }
    if (start < batch.numRows) {
      pending = [batch.slice(start)];
      pendingRows = batch.numRows - start;
    }
  }
  if (pendingRows > 0) yield concatBatches(pending);
  else if (!yielded && emptySeen !== undefined) yield emptySeen;
}

/**
 * One batch holding the rows of `batches` in order (same fields required), with the first batch's schema.
 * A single batch is returned as is; otherwise every column is copied through an Arrow builder, which keeps
 * nulls, NaN, 64-bit integers and nested values.
 */
export function concatBatches(batches: readonly RecordBatch[]): RecordBatch {
  if (batches.length === 0) throw new RangeError('concatBatches: no batches');
  if (batches.length === 1) return batches[0];
  const schema = batches[0].schema;
  const length = batches.reduce((n, b) => n + b.numRows, 0);
  // Joined at the buffer level: `get` + `vectorFromArray` would lose ns timestamps, decimals, dictionaries.
  const children: Data[] = schema.fields.map((field, c) => concatData(batches.map((b) => b.data.children[c]), field.name));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}
