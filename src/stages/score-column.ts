import type { RecordBatch } from 'apache-arrow';
import { DataError } from '../errors.js';
import { isNumericType } from '../io/features.js';

/**
 * The score column of a batch as float64 (null → NaN), for the threshold stages. A missing or non-numeric
 * column is a DataError that names the stage which should come first.
 */
export function scoresOf(batch: RecordBatch, batchIndex: number, column: string, stageType: string): Float64Array {
  const vector = batch.getChild(column);
  if (!vector || !isNumericType(vector.type)) {
    throw new DataError(`no numeric score column "${column}"; put a \`score\` stage before \`${stageType}\` or set scoreColumn`, {
      batch: batchIndex,
      column,
      expected: 'numeric column',
      received: vector ? String(vector.type) : 'missing',
    });
  }
  const out = new Float64Array(batch.numRows);
  for (let i = 0; i < out.length; i++) {
    const v = vector.get(i);
    out[i] = v === null ? Number.NaN : Number(v);
  }
  return out;
}
