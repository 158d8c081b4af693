import { DataType, type RecordBatch, type Schema } from 'apache-arrow';
import { DataError } from '../errors.js';
import type { Matrix } from '../models/matrix.js';
import { rowLocation } from './batch-meta.js';

/**
 * What to do with a row whose feature value is null, NaN or infinite: `error` (default; a DataError naming
 * the row and column), `drop` (the row is left out of the output, counted and logged) or `impute` (replaced
 * by the training mean of that column, saved with the model).
 */
export type MissingPolicy = 'error' | 'drop' | 'impute';

/** True for Arrow types whose values convert to a number without loss of meaning (ints, floats, decimals). */
export function isNumericType(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type);
}

/**
 * The feature columns to use: the named ones (checked to exist and be numeric), or with `'numeric'` every
 * numeric column except `exclude`, in schema order.
 */
export function resolveFeatures(schema: Schema, features: readonly string[] | 'numeric', exclude: readonly string[] = []): string[] {
  if (features === 'numeric') {
    const names = schema.fields.filter((f) => isNumericType(f.type) && !exclude.includes(f.name)).map((f) => f.name);
    if (names.length === 0) {
      throw new DataError('no numeric feature columns in the input', {
        expected: 'at least one int or float column',
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
  const missing = features.filter((name) => !schema.fields.some((f) => f.name === name));
  if (missing.length > 0) {
    throw new DataError(`missing feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`, {
      expected: `columns ${features.join(', ')}`,
      received: describeSchema(schema),
    });
  }
  for (const name of features) {
    const field = schema.fields.find((f) => f.name === name)!;
    if (!isNumericType(field.type)) {
      throw new DataError('feature column is not numeric; cast it or leave it out of `features`', {
        column: name,
        expected: 'int or float column',
        received: String(field.type),
      });
    }
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
    const column = batch.getChild(features[c])!;
    const values = column.toArray() as ArrayLike<number | bigint>;
    const hasNulls = column.nullCount > 0;
    for (let r = 0; r < rows; r++) {
      const raw = values[r];
      const v = typeof raw === 'bigint' ? Number(raw) : (raw as number);
      const isValid = (!hasNulls || column.isValid(r)) && Number.isFinite(v);
      if (isValid) {
        data[r * cols + c] = v;
        continue;
      }
      if (policy === 'error') {
        throw new DataError('invalid feature value; clean the data or set `onMissing: drop | impute`', {
          ...rowLocation(batch, batchIndex, r),
          column: features[c],
          expected: 'finite number',
          received: hasNulls && !column.isValid(r) ? 'null' : String(v),
        });
      }
      bad ??= new Uint8Array(rows);
      bad[r] = 1;
      if (policy === 'impute') {
        if (!imputeValues) throw new RangeError('extractFeatures: impute policy needs imputeValues');
        data[r * cols + c] = imputeValues[c];
      }
    }
  }
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

/**
 * Per-column means over the finite values only (the training means `impute` uses). A column with no finite
 * value at all has no mean to impute: DataError.
 */
export function finiteColumnMeans(batches: readonly RecordBatch[], features: readonly string[]): Float64Array {
  const sums = new Float64Array(features.length);
  const counts = new Float64Array(features.length);
  for (const batch of batches) {
    features.forEach((name, c) => {
      const column = batch.getChild(name)!;
      const values = column.toArray() as ArrayLike<number | bigint>;
      const hasNulls = column.nullCount > 0;
      for (let r = 0; r < batch.numRows; r++) {
        const raw = values[r];
        const v = typeof raw === 'bigint' ? Number(raw) : (raw as number);
        if ((!hasNulls || column.isValid(r)) && Number.isFinite(v)) {
          sums[c] += v;
          counts[c]++;
        }
      }
    });
  }
  return sums.map((s, c) => {
    if (counts[c] === 0) {
      throw new DataError('column has no finite value to impute from', { column: features[c], expected: 'at least one finite number', received: 'only null/NaN' });
    }
    return s / counts[c];
  });
}
