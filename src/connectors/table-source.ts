import { RecordBatch, Table } from 'apache-arrow';
import { z } from 'zod';
import { emptyBatch } from '../io/batch.js';
import { located } from '../io/file-schema.js';
import { rebatch } from '../io/rebatch.js';
import { defineStage, type Source } from '../contract/stage.js';
import { closableSource } from './closable.js';

/** What `table-source` reads: an Arrow Table, record batches, or an (async) iterable of them, all in memory. */
export type TableInput = Table | readonly RecordBatch[] | AsyncIterable<RecordBatch> | Iterable<RecordBatch>;

function isTableInput(value: unknown): value is TableInput {
  if (value instanceof Table) return true;
  if (Array.isArray(value)) return value.every((b) => b instanceof RecordBatch);
  return value !== null && typeof value === 'object' && (Symbol.asyncIterator in value || Symbol.iterator in value);
}

const params = z.strictObject({
  table: z
    .custom<TableInput>(isTableInput, { message: 'expected an Arrow Table, an array of RecordBatch or an iterable of them (table-source is for code; YAML cannot hold one)' })
    .describe('Arrow Table, RecordBatch[] or (async) iterable of record batches, passed in code'),
  batchRows: z.number().int().positive().optional().describe('Re-slice into batches of this many rows (rows); default keeps the batches as given'),
});

/**
 * Reads Arrow data the calling program already holds, so library users run stages without writing files.
 * The user's batches are never changed: each one goes on as a new batch that shares its column buffers and
 * carries the source metadata (first row) that error messages use.
 */
export const tableSource = defineStage({
  type: 'table-source',
  kind: 'source',
  description: 'Reads an in-memory Arrow Table or record batches (library use)',
  params,
  create(p): Source {
    return closableSource(({ isClosed }) => {
      const batches = tableBatches(p.table, isClosed);
      return p.batchRows !== undefined ? rebatch(batches, p.batchRows) : batches;
    });
  },
});

/** The batches of `input` as `table-source` yields them: new batches carrying their first row, names checked. */
export async function* tableBatches(input: TableInput, isClosed: () => boolean = () => false): AsyncGenerator<RecordBatch> {
  if (input instanceof Table || Array.isArray(input)) {
    for (const batch of locatedBatches(input as Table | readonly RecordBatch[])) {
      if (isClosed()) return;
      yield batch;
    }
    return;
  }
  let firstRow = 0;
  for await (const batch of input as AsyncIterable<RecordBatch>) {
    if (isClosed()) return;
    yield located(batch, undefined, firstRow);
    firstRow += batch.numRows;
  }
}

/**
 * The batches of an in-memory table, each a new batch carrying its first row. A table with a schema and no
 * batches gives one empty batch, so stages still learn its columns, as from an empty file.
 */
export function locatedBatches(input: Table | readonly RecordBatch[]): RecordBatch[] {
  const batches = input instanceof Table ? input.batches : input;
  if (batches.length === 0 && input instanceof Table) return [located(emptyBatch(input.schema), undefined, 0)];
  let firstRow = 0;
  return batches.map((batch) => {
    const out = located(batch, undefined, firstRow);
    firstRow += batch.numRows;
    return out;
  });
}
