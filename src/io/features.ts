import type { RecordBatch, Schema } from 'apache-arrow';
import { DataError } from '../errors.js';
import type { Matrix } from '../models/matrix.js';
import { rowLocation } from './batch-meta.js';
import { isNumericField, numericReader } from './numeric-field.js';

export { isNumericField, isNumericType } from './numeric-field.js';

/** The largest finite float32 (features are float32 in the models; a larger finite value would become Infinity). */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * What to do with a row whose feature value is null, NaN or infinite: `error` (default; a DataError naming
 * the row and column), `drop` (the row is left out of the output, counted and logged) or `impute` (replaced
 * by the training mean of that column, saved with the model).
 */
export type MissingPolicy = 'error' | 'drop' | 'impute';

/**
 * The feature columns to use: the named ones (checked to exist and be numeric), or with `'numeric'` every
 * numeric column except `exclude`, in schema order.
 */
export function resolveFeatures(schema: Schema, features: readonly string[] | 'numeric', exclude: readonly string[] = []): string[] {
  if (features === 'numeric') {
    const names = schema.fields.filter((f) => isNumericField(f) && !exclude.includes(f.name)).map((f) => f.name);
    if (names.length === 0) {
      throw new DataError('no numeric feature columns in the input', {
        expected: 'at least one int, float, decimal or numeric-text column',
        received: describeSchema(schema),
      });
    }
    return names;
  }
  checkColumns(schema, features);
  return [...features];
}

/** Throws a DataError naming every feature column that is missing from `schema` or is not numeric. */
export function checkColumns(schema: Schema, features: readonly string[]): void {
  checkPresent(schema, features);
  for (const name of features) {
    const field = schema.fields.find((f) => f.name === name)!;
    if (!isNumericField(field)) {
      throw new DataError('feature column is not numeric; cast it or leave it out of `features`', {
        column: name,
        expected: 'int or float column',
        received: String(field.type),
      });
    }
  }
}

/** Throws a DataError naming every feature column that is missing from `schema`. */
export function checkPresent(schema: Schema, features: readonly string[]): void {
  const missing = features.filter((name) => !schema.fields.some((f) => f.name === name));
  if (missing.length > 0) {
    throw new DataError(`missing feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`, {
      expected: `columns ${features.join(', ')}`,
      received: describeSchema(schema),
    });
  }
}

function describeSchema(schema: Schema): string {
  return schema.fields.map((f) => `${f.name}:${f.type}`).join(', ') || 'no columns';
}

/** Feature values of one batch as a row-major Float32 matrix, after the missing-value policy is applied. */
export interface ExtractedFeatures {
  matrix: Matrix;
  /** Indices (ascending) of the batch rows in `matrix` when `drop` removed some; null when all rows are kept. */
  keptRows: number[] | null;
  /** Rows that held a null/NaN/infinite feature (dropped, or imputed). */
  invalidRows: number;
}

/**
 * Reads `features` of `batch` into a matrix. `imputeValues[c]` replaces bad values of feature c under the
 * `impute` policy. With `error`, the first bad value throws a DataError that names its row (file line when
 * the source knows it) and column.
 */
export function extractFeatures(
  batch: RecordBatch,
  batchIndex: number,
  features: readonly string[],
  policy: MissingPolicy,
  imputeValues?: ArrayLike<number>,
): ExtractedFeatures {
  checkColumns(batch.schema, features);
  const rows = batch.numRows;
  const cols = features.length;
  const data = new Float32Array(rows * cols);
  let bad: Uint8Array | null = null;
  for (let c = 0; c < cols; c++) {
    const read = numericColumnReader(batch, batchIndex, features[c]);
    for (let r = 0; r < rows; r++) {
      const v = read(r);
      if (v !== null && Number.isFinite(v)) {
        if (Math.abs(v) > FLOAT32_MAX) throw float32Overflow(batch, batchIndex, r, features[c], v);
        data[r * cols + c] = v;
        continue;
      }
      if (policy === 'error') throw missingValueError(batch, batchIndex, r, features[c], 'finite number', v === null ? 'null' : String(v));
      bad ??= new Uint8Array(rows);
      bad[r] = 1;
      if (policy === 'impute') {
        if (!imputeValues) throw new RangeError('extractFeatures: impute policy needs imputeValues');
        data[r * cols + c] = imputeValues[c];
      }
    }
  }
  return applyMissingPolicy(data, rows, cols, bad, policy);
}

/**
 * The extracted rows after the missing-value policy: `bad` marks rows that held a missing value (null when
 * none did); `drop` removes them, `impute` keeps them (already filled in by the caller).
 */
export function applyMissingPolicy(data: Float32Array, rows: number, cols: number, bad: Uint8Array | null, policy: MissingPolicy): ExtractedFeatures {
  if (!bad) return { matrix: { data, rows, cols }, keptRows: null, invalidRows: 0 };
  let invalidRows = 0;
  for (let r = 0; r < rows; r++) invalidRows += bad[r];
  if (policy === 'impute') return { matrix: { data, rows, cols }, keptRows: null, invalidRows };
  const keptRows: number[] = [];
  for (let r = 0; r < rows; r++) if (!bad[r]) keptRows.push(r);
  const kept = new Float32Array(keptRows.length * cols);
  keptRows.forEach((r, i) => kept.set(data.subarray(r * cols, (r + 1) * cols), i * cols));
  return { matrix: { data: kept, rows: keptRows.length, cols }, keptRows, invalidRows };
}

/** The DataError of a missing feature value under `onMissing: error`. */
export function missingValueError(batch: RecordBatch, batchIndex: number, row: number, column: string, expected: string, received: string): DataError {
  return new DataError('invalid feature value; clean the data or set `onMissing: drop | impute`', {
    ...rowLocation(batch, batchIndex, row),
    column,
    expected,
    received,
  });
}

/**
 * Per-column means over the finite values only (the training means `impute` uses). A column with no finite
 * value at all has no mean to impute: DataError.
 */
export function finiteColumnMeans(batches: readonly RecordBatch[], features: readonly string[]): Float64Array {
  const sums = new Float64Array(features.length);
  const counts = new Float64Array(features.length);
  batches.forEach((batch, b) => {
    features.forEach((name, c) => {
      const read = numericColumnReader(batch, b, name);
      for (let r = 0; r < batch.numRows; r++) {
        const v = read(r);
        if (v !== null && Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX) {
          sums[c] += v;
          counts[c]++;
        }
      }
    });
  });
  return sums.map((s, c) => {
    if (counts[c] === 0) {
      throw new DataError('column has no finite value to impute from', { column: features[c], expected: 'at least one finite number', received: 'only null/NaN' });
    }
    return s / counts[c];
  });
}

/** A float64 reader of one feature column; a numeric-text cell that is not a number is a located DataError. */
/**
 * Row reader of the numeric column `name` (see `isNumericField`) as float64 or null, the way feature
 * extraction reads it: numeric text parsed by the CSV number rules, decimals scaled. A numeric-text cell
 * that is not a number is a DataError naming batch, row and column. Every stage or sink that reads a column
 * as numbers uses this, so numeric text means the same number everywhere.
 */
export function numericColumnReader(batch: RecordBatch, batchIndex: number, name: string): (row: number) => number | null {
  const at = batch.schema.fields.findIndex((f) => f.name === name);
  return numericReader(batch.getChildAt(at)!, batch.schema.fields[at], (row, text) => {
    throw new DataError('feature value is not a number; fix the value, or leave the column out of `features`', {
      ...rowLocation(batch, batchIndex, row),
      column: name,
      expected: 'a number',
      received: JSON.stringify(text),
    });
  });
}

/**
 * A finite value beyond float32's range: the models compute in float32, where it would become Infinity and
 * the error would name Infinity instead of the value the file holds.
 */
export function float32Overflow(batch: RecordBatch, batchIndex: number, row: number, column: string, value: number): DataError {
  const at = batch.schema.fields.findIndex((f) => f.name === column);
  const raw: unknown = batch.getChildAt(at)!.get(row);
  return new DataError('feature value is too large for float32 (the models compute in float32); rescale the column (e.g. divide by a constant or take a log) or leave it out of `features`', {
    ...rowLocation(batch, batchIndex, row),
    column,
    expected: 'finite number within float32 range (|x| <= 3.4028234663852886e38)',
    received: typeof raw === 'string' ? JSON.stringify(raw) : String(value),
  });
}
