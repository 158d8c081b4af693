import { Float64, tableFromArrays, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { boolColumn, emptyBatch, float32Column, matrixColumns, selectColumns, replaceColumns, takeRows, withColumns, withMetadata } from '../../src/io/batch.js';

/** One batch: id (string), a (float64), n (int32), with schema metadata. */
function sample(): RecordBatch {
  const t = tableFromArrays({ id: ['r0', 'r1', 'r2'], a: Float64Array.from([1.5, 2.5, 3.5]), n: Int32Array.from([7, 8, 9]) });
  const b = t.batches[0] as unknown as RecordBatch;
  return withMetadata(b, new Map([['k', 'v']]));
}
const values = (b: RecordBatch, name: string) => Array.from({ length: b.numRows }, (_, i) => b.getChild(name)!.get(i));
const names = (b: RecordBatch) => b.schema.fields.map((f) => f.name);

describe('batch helpers (src/io/batch.ts)', () => {
  it('withColumns appends new columns and keeps the input and its metadata; replaceColumns rewrites a named one in place', () => {
    const b = sample();
    const out = withColumns(b, [float32Column('score', Float32Array.from([0.5, 1, 2])), boolColumn('flag', [true, false, true])]);
    expect(names(out)).toEqual(['id', 'a', 'n', 'score', 'flag']);
    expect(values(out, 'score')).toEqual([0.5, 1, 2]);
    expect(values(out, 'flag')).toEqual([true, false, true]);
    expect(out.schema.metadata.get('k')).toBe('v');
    expect(out.getChild('id')!.data[0]).toBe(b.getChild('id')!.data[0]); // shared, not copied
    expect(() => withColumns(b, [float32Column('a', Float32Array.from([9, 9, 9]))])).toThrow(/output column "a" would replace input column 2/);
    const replaced = replaceColumns(b, [float32Column('a', Float32Array.from([9, 9, 9]))]);
    expect(names(replaced)).toEqual(['id', 'a', 'n']);
    expect(values(replaced, 'a')).toEqual([9, 9, 9]);
    expect(names(b)).toEqual(['id', 'a', 'n']);
    expect(values(b, 'a')).toEqual([1.5, 2.5, 3.5]);
  });

  it('withColumns refuses a column of the wrong length, and flattens a multi-chunk vector', () => {
    const b = sample();
    expect(() => withColumns(b, [float32Column('x', new Float32Array(2))])).toThrow(/column "x" has 2 values for 3 rows/);
    const chunked = vectorFromArray([1, 2], new Float64()).concat(vectorFromArray([3], new Float64()));
    expect(chunked.data.length).toBe(2);
    const out = withColumns(b, [{ name: 'c', vector: chunked }]);
    expect(values(out, 'c')).toEqual([1, 2, 3]);
    expect(out.schema.fields.find((f) => f.name === 'c')!.nullable).toBe(false);
    const withNull = withColumns(b, [{ name: 'm', vector: vectorFromArray([1, null, 3], new Float64()) }]);
    expect(withNull.schema.fields.find((f) => f.name === 'm')!.nullable).toBe(true);
  });

  it('selectColumns keeps the named columns in the asked order and refuses an unknown one', () => {
    const b = sample();
    const out = selectColumns(b, ['n', 'id']);
    expect(names(out)).toEqual(['n', 'id']);
    expect(values(out, 'n')).toEqual([7, 8, 9]);
    expect(out.schema.metadata.get('k')).toBe('v');
    expect(() => selectColumns(b, ['id', 'nope'])).toThrow(/no column "nope"/);
  });

  it('takeRows copies the rows at the indices, in that order, with the same schema', () => {
    const b = sample();
    const out = takeRows(b, [2, 0]);
    expect(out.numRows).toBe(2);
    expect(values(out, 'id')).toEqual(['r2', 'r0']);
    expect(values(out, 'a')).toEqual([3.5, 1.5]);
    expect(out.schema.fields.map((f) => String(f.type))).toEqual(b.schema.fields.map((f) => String(f.type)));
  });

  it('emptyBatch has the schema and no rows', () => {
    const b = sample();
    const e = emptyBatch(b.schema);
    expect(e.numRows).toBe(0);
    expect(names(e)).toEqual(['id', 'a', 'n']);
    expect(e.schema.fields.map((f) => String(f.type))).toEqual(b.schema.fields.map((f) => String(f.type)));
    expect(e.getChild('a')!.length).toBe(0);
  });

  it('matrixColumns splits a row-major matrix into named float32 columns', () => {
    const cols = matrixColumns({ data: Float32Array.from([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 }, ['z0', 'z1']);
    expect(cols.map((c) => c.name)).toEqual(['z0', 'z1']);
    expect(Array.from(cols[0].vector.toArray() as Float32Array)).toEqual([1, 3, 5]);
    expect(Array.from(cols[1].vector.toArray() as Float32Array)).toEqual([2, 4, 6]);
  });
});
