/**
 * A dense row-major float matrix: the only data shape models see. Models never see Arrow, files or Kafka;
 * stages convert record batches to a `Matrix` of the selected feature columns and back.
 */
export interface Matrix {
  /** Row-major values, length `rows * cols`. */
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

export function matrix(data: Float32Array, rows: number, cols: number): Matrix {
  if (data.length !== rows * cols) {
    throw new RangeError(`matrix: ${data.length} values do not fill ${rows} x ${cols}`);
  }
  return { data, rows, cols };
}

/** Stacks matrices with the same column count, top to bottom. */
export function concatRows(parts: readonly Matrix[], cols: number): Matrix {
  const rows = parts.reduce((n, m) => n + m.rows, 0);
  const data = new Float32Array(rows * cols);
  let at = 0;
  for (const m of parts) {
    if (m.cols !== cols) throw new RangeError(`concatRows: expected ${cols} columns, got ${m.cols}`);
    data.set(m.data, at);
    at += m.data.length;
  }
  return { data, rows, cols };
}

/** Copies the rows at `indices`, in that order. */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float32Array(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) {
    const from = indices[i] * m.cols;
    out.set(m.data.subarray(from, from + m.cols), i * m.cols);
  }
  return { data: out, rows: indices.length, cols: m.cols };
}

/** Rows `[start, end)` as a view that shares memory with `m`. */
export function sliceRows(m: Matrix, start: number, end: number): Matrix {
  return { data: m.data.subarray(start * m.cols, end * m.cols), rows: end - start, cols: m.cols };
}
