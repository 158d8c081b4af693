import { Bool, Field, Float64, Int32, Int64, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { checkColumns, extractFeatures, finiteColumnMeans, isNumericType, resolveFeatures } from '../../src/io/features.js';

/** A batch from named columns given as Arrow vectors (nulls where the array holds null). */
function batch(columns: Record<string, unknown[]>, types: Record<string, Float64 | Int32 | Int64 | Utf8 | Bool> = {}): RecordBatch {
  const names = Object.keys(columns);
  const vectors = names.map((n) => vectorFromArray(columns[n], types[n] ?? new Float64()));
  const fields = names.map((n, i) => new Field(n, vectors[i].type, true));
  const rows = vectors[0]?.length ?? 0;
  const data = makeData({ type: new Struct(fields), length: rows, nullCount: 0, children: vectors.map((v) => v.data[0]) });
  return new RecordBatch(new Schema(fields), data);
}

const err = (fn: () => unknown): DataError => {
  try {
    fn();
  } catch (e) {
    return e as DataError;
  }
  throw new Error('expected a throw');
};

describe('features (src/io/features.ts)', () => {
  it('isNumericType: ints and floats are numeric, strings and booleans are not', () => {
    expect(isNumericType(new Float64())).toBe(true);
    expect(isNumericType(new Int32())).toBe(true);
    expect(isNumericType(new Utf8())).toBe(false);
    expect(isNumericType(new Bool())).toBe(false);
  });

  it("resolveFeatures('numeric') takes every numeric column except the excluded ones, in schema order", () => {
    const b = batch({ id: ['a', 'b'], z: [1, 2], a: [3, 4], n: [5, 6] }, { id: new Utf8(), n: new Int32() });
    expect(resolveFeatures(b.schema, 'numeric')).toEqual(['z', 'a', 'n']);
    expect(resolveFeatures(b.schema, 'numeric', ['a'])).toEqual(['z', 'n']);
    expect(resolveFeatures(b.schema, ['n', 'z'])).toEqual(['n', 'z']);
    const none = err(() => resolveFeatures(b.schema, 'numeric', ['z', 'a', 'n']));
    expect(none).toBeInstanceOf(DataError);
    expect(none.message).toMatch(/no numeric feature columns/);
    expect(none.received).toBe('id:Utf8, z:Float64, a:Float64, n:Int32');
    expect(err(() => resolveFeatures(new Schema([]), 'numeric')).received).toBe('no columns');
  });

  it('checkColumns names every missing column (plural when several) and a non-numeric one with its type', () => {
    const b = batch({ id: ['a'], x: [1] }, { id: new Utf8() });
    const one = err(() => checkColumns(b.schema, ['x', 'gone']));
    expect(one.message).toMatch(/^missing feature column "gone" /);
    expect(one.expected).toBe('columns x, gone');
    expect(one.received).toBe('id:Utf8, x:Float64');
    const two = err(() => checkColumns(b.schema, ['p', 'q']));
    expect(two.message).toMatch(/^missing feature columns "p", "q" /);
    const text = err(() => checkColumns(b.schema, ['x', 'id']));
    expect(text).toMatchObject({ column: 'id', expected: 'int or float column', received: 'Utf8' });
    expect(() => checkColumns(b.schema, ['x'])).not.toThrow();
  });

  it('extractFeatures reads a row-major float32 matrix, ints and bigints included', () => {
    const b = batch({ a: [1, 2, 3], b: [10, 20, 30], c: [100n, 200n, 300n] }, { b: new Int32(), c: new Int64() });
    const out = extractFeatures(b, 0, ['c', 'a'], 'error');
    expect(out).toMatchObject({ keptRows: null, invalidRows: 0, matrix: { rows: 3, cols: 2 } });
    expect(Array.from(out.matrix.data)).toEqual([100, 1, 200, 2, 300, 3]);
  });

  it("extractFeatures 'error' names the row, the column and what was received (null, NaN, Infinity)", () => {
    const b = batch({ a: [1, 2, 3], b: [4, null, 6], c: [7, 8, Infinity] });
    const isNull = err(() => extractFeatures(b, 2, ['a', 'b'], 'error'));
    expect(isNull).toBeInstanceOf(DataError);
    expect(isNull).toMatchObject({ column: 'b', expected: 'finite number', received: 'null', row: 1 });
    expect(err(() => extractFeatures(b, 0, ['c'], 'error'))).toMatchObject({ column: 'c', received: 'Infinity', row: 2 });
    expect(err(() => extractFeatures(batch({ n: [NaN] }), 0, ['n'], 'error'))).toMatchObject({ received: 'NaN' });
  });

  it("extractFeatures 'drop' keeps only the rows whose features are all finite, and says which", () => {
    const b = batch({ a: [1, NaN, 3, 4], b: [5, 6, null, 8] });
    const out = extractFeatures(b, 0, ['a', 'b'], 'drop');
    expect(out.keptRows).toEqual([0, 3]);
    expect(out.invalidRows).toBe(2);
    expect(out.matrix).toMatchObject({ rows: 2, cols: 2 });
    expect(Array.from(out.matrix.data)).toEqual([1, 5, 4, 8]);
  });

  it("extractFeatures 'impute' replaces each bad value by its column's value and keeps every row", () => {
    const b = batch({ a: [1, NaN, 3], b: [null, 6, 7] });
    const out = extractFeatures(b, 0, ['a', 'b'], 'impute', [-1, -2]);
    expect(out).toMatchObject({ keptRows: null, invalidRows: 2, matrix: { rows: 3, cols: 2 } });
    expect(Array.from(out.matrix.data)).toEqual([1, -2, -1, 6, 3, 7]);
    expect(() => extractFeatures(b, 0, ['a'], 'impute')).toThrow(RangeError);
  });

  it('finiteColumnMeans averages the finite values over all batches and refuses a column with none', () => {
    const b1 = batch({ a: [1, NaN], b: [null, 4], c: [5n, 7n] }, { c: new Int64() });
    const b2 = batch({ a: [3, Infinity], b: [8, 6], c: [9n, 3n] }, { c: new Int64() });
    expect(Array.from(finiteColumnMeans([b1, b2], ['a', 'b', 'c']))).toEqual([2, 6, 6]);
    const empty = err(() => finiteColumnMeans([batch({ a: [NaN, null] })], ['a']));
    expect(empty).toBeInstanceOf(DataError);
    expect(empty).toMatchObject({ column: 'a', received: 'only null/NaN' });
  });
});
