import type { RecordBatch } from 'apache-arrow';
import { DataError } from '../../errors.js';
import { rowLocation } from '../../io/batch-meta.js';
import { isNumericField, numericReader } from '../../io/numeric-field.js';

/**
 * The score column of a batch as float64 (null → NaN), for the threshold stages. A missing or non-numeric
 * column is a DataError that names the stage which should come first.
 */
export function scoresOf(batch: RecordBatch, batchIndex: number, column: string, stageType: string): Float64Array {
  const at = batch.schema.fields.findIndex((f) => f.name === column);
  const field = at >= 0 ? batch.schema.fields[at] : undefined;
  if (field === undefined || !isNumericField(field)) {
    throw new DataError(`no numeric score column "${column}"; put a \`score\` stage before \`${stageType}\` or set scoreColumn`, {
      batch: batchIndex,
      column,
      expected: 'numeric column',
      received: field ? String(field.type) : 'missing',
    });
  }
  const read = numericReader(batch.getChildAt(at)!, field, (row, text) => {
    throw new DataError(`${stageType}: score is not a number`, { ...rowLocation(batch, batchIndex, row), column, expected: 'a number', received: JSON.stringify(text) });
  });
  const out = new Float64Array(batch.numRows);
  for (let i = 0; i < out.length; i++) out[i] = read(i) ?? Number.NaN;
  return out;
}
