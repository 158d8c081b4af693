import { Float64, Utf8, tableFromArrays, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { DataError } from '../../src/errors.js';
import { META } from '../../src/io/batch-meta.js';
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

  it('an added column clashing with an input column is a DataError naming it, its position and the owner option', () => {
    const b = sample();
    let error: unknown;
    try {
      withColumns(b, [float32Column('n', Float32Array.from([0, 0, 0]))], { stage: 'score', option: 'outputPrefix' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ column: 'n', expected: 'no column named "n" in the input', received: 'columns [id, a, n]' });
    expect((error as Error).message).toBe(
      'column "n": score: output column "n" would replace input column 3 of the same name; set `outputPrefix` to rename the outputs (e.g. outputPrefix: "lf_"), or rename the input column (expected no column named "n" in the input, received columns [id, a, n])',
    );
  });

  it('two added columns of one name clash with each other; without an owner the message says stage and outputPrefix', () => {
    const b = sample();
    const twice = () => withColumns(b, [float32Column('z', new Float32Array(3)), float32Column('z', new Float32Array(3))]);
    expect(twice).toThrow(DataError);
    expect(twice).toThrow('stage: output column "z" would replace another column it adds of the same name; set `outputPrefix` to rename');
    expect(() => withColumns(b, [float32Column('id', new Float32Array(3))], { stage: 'pca', option: 'prefix' })).toThrow(
      'pca: output column "id" would replace input column 1 of the same name; set `prefix` to rename the outputs (e.g. prefix: "lf_")',
    );
  });

  it('the wrong number of values is a RangeError with the counts, for added and replacing columns', () => {
    const b = sample();
    expect(() => withColumns(b, [float32Column('x', new Float32Array(4))])).toThrow(new RangeError('withColumns: column "x" has 4 values for 3 rows'));
    expect(() => replaceColumns(b, [float32Column('a', new Float32Array(2))])).toThrow(new RangeError('withColumns: column "a" has 2 values for 3 rows'));
  });

  it('a multi-chunk column keeps its nulls and text when added or replacing (it lost nulls, and text failed)', () => {
    const b = sample();
    const numbers = vectorFromArray([1, null], new Float64()).concat(vectorFromArray([3], new Float64()));
    const text = vectorFromArray(['x', null], new Utf8()).concat(vectorFromArray(['z'], new Utf8()));
    const out = withColumns(b, [
      { name: 'f', vector: numbers },
      { name: 's', vector: text },
    ]);
    expect(values(out, 'f')).toEqual([1, null, 3]);
    expect(out.getChild('f')!.nullCount).toBe(1);
    expect(values(out, 's')).toEqual(['x', null, 'z']);
    expect(String(out.getChild('s')!.type)).toBe('Utf8');
    expect(values(replaceColumns(b, [{ name: 'a', vector: numbers }]), 'a')).toEqual([1, null, 3]);
  });

  it('replaceColumns keeps position and metadata, takes nullability from the new values, flattens chunks, refuses an unknown name', () => {
    const b = sample();
    const chunked = vectorFromArray([1, null], new Float64()).concat(vectorFromArray([3], new Float64()));
    const out = replaceColumns(b, [{ name: 'id', vector: chunked }]);
    expect(names(out)).toEqual(['id', 'a', 'n']);
    expect(values(out, 'id')).toEqual([1, null, 3]);
    expect(out.schema.fields[0].nullable).toBe(true);
    expect(String(out.schema.fields[0].type)).toBe('Float64');
    expect(out.data.children[0].length).toBe(3);
    expect(out.schema.metadata.get('k')).toBe('v');
    expect(out.getChild('a')!.data[0]).toBe(b.getChild('a')!.data[0]);
    expect(() => replaceColumns(b, [float32Column('nope', new Float32Array(3))])).toThrow(new RangeError('replaceColumns: no column "nope" to replace'));
    expect(() => selectColumns(b, ['nope'])).toThrow(new RangeError('selectColumns: no column "nope"'));
  });

  it('withMetadata replaces the schema metadata and shares every column', () => {
    const b = sample();
    const out = withMetadata(b, new Map([['other', '1']]));
    expect([...out.schema.metadata]).toEqual([['other', '1']]);
    expect(out.numRows).toBe(3);
    out.data.children.forEach((child, i) => expect(child).toBe(b.data.children[i]));
    expect(b.schema.metadata.get('k')).toBe('v');
  });

  it('takeRows keeps the file line of each kept row, from firstLine or from a lines list', () => {
    const fromFirst = withMetadata(sample(), new Map([['k', 'v'], [META.firstLine, '10'], [META.file, '/in.csv']]));
    const out = takeRows(fromFirst, [2, 0]);
    expect(out.schema.metadata.get(META.lines)).toBe('12,10');
    expect(out.schema.metadata.has(META.firstLine)).toBe(false);
    expect(out.schema.metadata.get(META.file)).toBe('/in.csv');
    expect(out.schema.metadata.get('k')).toBe('v');
    const fromList = withMetadata(sample(), new Map([[META.lines, '2,4,7']]));
    expect(takeRows(fromList, [1, 2]).schema.metadata.get(META.lines)).toBe('4,7');
    // No line information in, none out.
    expect([...takeRows(sample(), [0]).schema.metadata]).toEqual([['k', 'v']]);
  });

  it('float32Column wraps the values without copying; boolColumn is non-null booleans', () => {
    const data = Float32Array.from([1, 2]);
    const col = float32Column('f', data);
    expect(col.vector.data[0].values).toBe(data);
    expect(col.vector.nullCount).toBe(0);
    const flags = boolColumn('b', [false, true]);
    expect(String(flags.vector.type)).toBe('Bool');
    expect(flags.vector.toJSON()).toEqual([false, true]);
  });

  it('emptyBatch keeps the schema metadata and gives zero-length columns of every type', () => {
    const schema = withMetadata(sample(), new Map([['k', 'v']])).schema;
    const e = emptyBatch(schema);
    expect(e.schema.metadata.get('k')).toBe('v');
    expect(e.data.children.map((c) => c.length)).toEqual([0, 0, 0]);
    expect(e.schema.fields.map((f) => String(f.type))).toEqual(['Dictionary<Int32, Utf8>', 'Float64', 'Int32']);
  });
});
