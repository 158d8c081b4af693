import { makeData, RecordBatch, Schema, Field, Float32, Struct, Table } from 'apache-arrow';
import { DataError } from '../errors.js';
import type { Matrix } from '../models/matrix.js';

/**
 * Data for the library's detector: an Arrow Table or record batches (features found by name), or numbers
 * without names, PyOD-style: a row-major {@link Matrix} or an array of equal-length rows, whose columns are
 * the features in order.
 */
export type DetectorInput = Table | readonly RecordBatch[] | Matrix | readonly (readonly number[])[];

/** Names the columns of unnamed input get at fit time: x0, x1, ... */
export function positionalNames(cols: number): string[] {
  return Array.from({ length: cols }, (_, j) => `x${j}`);
}

/**
 * The input as record batches. Named input is used as it is (the user's batches are only read); unnamed
 * input becomes one batch of float32 columns called `names` (which must match its width).
 */
export function inputBatches(input: DetectorInput, names?: readonly string[]): RecordBatch[] {
  if (input instanceof Table) return input.batches;
  if (Array.isArray(input) && (input.length === 0 || input[0] instanceof RecordBatch)) {
    input.forEach((b, i) => {
      if (!(b instanceof RecordBatch)) throw new DataError('expected every element to be a RecordBatch', { batch: i, expected: 'RecordBatch', received: typeof b });
    });
    return input as RecordBatch[];
  }
  const m = isMatrix(input) ? input : rowsToMatrix(input as readonly (readonly number[])[]);
  const columns = names ?? positionalNames(m.cols);
  if (columns.length !== m.cols) {
    throw new DataError(`the rows have ${m.cols} values, the model has ${columns.length} features (${columns.join(', ')}), taken in that order`, {
      expected: `${columns.length} columns`,
      received: `${m.cols} columns`,
    });
  }
  return [matrixBatch(m, columns)];
}

function isMatrix(value: unknown): value is Matrix {
  const m = value as Matrix;
  return m !== null && typeof m === 'object' && m.data instanceof Float32Array && Number.isInteger(m.rows) && Number.isInteger(m.cols);
}

/** number[][] to a row-major matrix; ragged rows are a DataError naming the first one. */
function rowsToMatrix(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== cols) {
      throw new DataError('every row needs the same number of values as the first', { row: r, expected: `${cols} values`, received: Array.isArray(row) ? `${row.length} values` : typeof row });
    }
    for (let c = 0; c < cols; c++) data[r * cols + c] = row[c];
  });
  return { data, rows: rows.length, cols };
}

/** One batch of float32 columns from a row-major matrix. */
function matrixBatch(m: Matrix, names: readonly string[]): RecordBatch {
  const fields = names.map((n) => new Field(n, new Float32(), false));
  const children = fields.map((f, c) => {
    const column = new Float32Array(m.rows);
    for (let r = 0; r < m.rows; r++) column[r] = m.data[r * m.cols + c];
    return makeData({ type: f.type as Float32, length: m.rows, data: column });
  });
  const schema = new Schema(fields);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: m.rows, nullCount: 0, children }));
}
