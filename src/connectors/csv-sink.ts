import type { RecordBatch } from 'apache-arrow';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { writeAtomically, type AtomicFile } from '../io/atomic-file.js';
import { resolveFilePath } from '../io/output-target.js';
import { Closers } from '../io/closers.js';
import { cellFormatter } from '../io/csv-types.js';
import { defineStage, type Sink, type SinkSummary, type StageContext } from '../contract/stage.js';
import { checkWritable, fileSink } from './closable.js';

const TYPE = 'csv-sink';

/** Parameters of {@link csvSink}. */
const params = z
  .object({
    /** File to write (replaced atomically). */
    path: z.string().min(1).describe('CSV file to write, replaced atomically when done (devices, FIFOs and - for stdout are written directly); a relative path resolves against the pipeline file folder'),
    /** Field separator, default `,`. */
    delimiter: z.string().min(1).default(',').describe('Field separator (one or more characters), e.g. "," or "\\t"'),
    /** Whether to write a header record, default true. */
    hasHeader: z.boolean().default(true).describe('Write the column names as the first record'),
    /** Columns to write, in this order; default every column of the first batch. */
    columns: z.array(z.string().min(1)).min(1).optional().describe('Columns to write, in this order (default: all columns of the first batch)'),
  })
  .strict();

/** Validated params of `csv-sink`. */
export type CsvSinkParams = z.output<typeof params>;

/**
 * Writes batches as CSV, one batch at a time (memory holds one batch's text), to a temp file renamed into
 * place at the end. Values read back as they were: float64 as the shortest round-trip decimal, float32 as
 * the shortest decimal that rounds back to the same float32, NaN/Infinity/-Infinity spelled out, -0 kept,
 * bools as true/false, int64 exactly, strings and numeric text verbatim, timestamps as ISO 8601 in UTC
 * with the unit's fraction digits (`2026-01-01T00:00:00.000Z`; us 6, ns 9), dates as YYYY-MM-DD, decimals
 * as exact decimal text, dictionary columns as their values, nulls as empty fields; values containing the delimiter, quotes or
 * newlines are quoted by csv-stringify. (An empty string is written as an empty field too, so it reads
 * back as null.)
 *
 * Empty input: when the columns are known (from a zero-row batch or `columns`) the file holds only the
 * header; with no batch at all and no `columns` it is an empty file.
 */
export const csvSink = defineStage({
  type: TYPE,
  kind: 'sink',
  description: 'Writes batches to a CSV file (atomically: temp file renamed into place)',
  params,
  create(p, ctx): Sink {
    return fileSink(TYPE, p.path, ctx, (input, { closers, isClosed }) => writeCsv(p, ctx, input, closers, isClosed));
  },
});

async function writeCsv(p: CsvSinkParams, ctx: StageContext, input: AsyncIterable<RecordBatch>, closers: Closers, isClosed: () => boolean): Promise<SinkSummary> {
  const target = resolveFilePath(ctx.baseDir, p.path);
  // csv-stringify leaves a lone CR unquoted, but the reader treats it as a line break, so quote it.
  const options = { delimiter: p.delimiter, eof: true, record_delimiter: 'unix' as const, quoted_match: /\r/ };
  const body = async (file: AtomicFile): Promise<SinkSummary> => {
    let names: string[] | undefined = p.columns;
    let headerWritten = false;
    let rows = 0;
    let batches = 0;
    const writeHeader = async (): Promise<void> => {
      if (headerWritten || names === undefined) return;
      headerWritten = true;
      if (p.hasHeader) await file.write(stringify([names], options));
    };
    for await (const batch of input) {
      checkWritable(ctx.signal, isClosed, TYPE, target);
      names ??= batch.schema.fields.map((f) => f.name);
      await writeHeader();
      if (batch.numRows === 0) continue;
      const formatters = names.map((name) => {
        const column = batch.getChild(name);
        if (column === null) throw missingColumn(p, target, batches, names!, batch, name);
        return cellFormatter(column);
      });
      const records: (string | null)[][] = new Array(batch.numRows);
      for (let i = 0; i < batch.numRows; i++) records[i] = formatters.map((format) => format(i));
      await file.write(stringify(records, options));
      rows += batch.numRows;
      batches++;
    }
    await writeHeader();
    ctx.logger.info({ file: target, rows, batches }, `${TYPE}: wrote ${rows} rows to ${target}`);
    return { rows, batches, target };
  };
  return writeAtomically(target, TYPE, body, closers);
}

function missingColumn(p: CsvSinkParams, file: string, batch: number, names: string[], got: RecordBatch, name: string): DataError {
  const advice = p.columns ? 'remove it from `columns`' : 'every batch needs the columns of the first batch';
  return new DataError(`${TYPE}: column "${name}" is not in the batch; ${advice}`, {
    batch,
    column: name,
    file,
    expected: `columns [${names.join(', ')}]`,
    received: `columns [${got.schema.fields.map((f) => f.name).join(', ')}]`,
  });
}
