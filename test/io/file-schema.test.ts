import { Field, Float64, Int32, RecordBatch, Schema, Struct, Utf8, makeData, vectorFromArray, type Data } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { META } from '../../src/io/batch-meta.js';
import { SchemaGuard, fileSchema, located, relabel } from '../../src/io/file-schema.js';

/** A batch with the given fields, each column filled with `rows` values of its type (no nulls). */
function batchOf(fields: Field[], rows = 2, metadata = new Map<string, string>()): RecordBatch {
  const children: Data[] = fields.map((f) => {
    const values = Array.from({ length: rows }, (_, i) => (f.type instanceof Utf8 ? `v${i}` : i + 0.5));
    return vectorFromArray(values, f.type).data[0];
  });
  const schema = new Schema(fields, metadata);
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, nullCount: 0, children }));
}

const f = (name: string, type: Float64 | Int32 | Utf8 = new Float64(), nullable = false) => new Field(name, type, nullable);

/** The DataError `guard.check(batch, index)` throws. */
function refusal(guard: SchemaGuard, batch: RecordBatch, index: number): DataError {
  try {
    guard.check(batch, index);
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('check accepted the batch');
}

describe('fileSchema', () => {
  it('marks every field nullable, keeping names, types, order and field metadata', () => {
    const meta = new Map([['unit', 'm']]);
    const schema = new Schema([new Field('a', new Float64(), false, meta), new Field('b', new Utf8(), true), new Field('c', new Int32(), false)]);
    const out = fileSchema(schema);
    expect(out.fields.map((x) => [x.name, String(x.type), x.nullable])).toEqual([
      ['a', 'Float64', true],
      ['b', 'Utf8', true],
      ['c', 'Int32', true],
    ]);
    expect(out.fields[0].metadata.get('unit')).toBe('m');
    // The input schema is not changed.
    expect(schema.fields.map((x) => x.nullable)).toEqual([false, true, false]);
  });

  it('drops the per-batch source metadata (every latentflow.* key a source sets) and keeps the rest', () => {
    const metadata = new Map([
      [META.file, '/in.csv'],
      [META.firstRow, '10'],
      [META.firstLine, '12'],
      [META.lines, '12,13'],
      ['latentflow.numeric', 'kept: not a source key'],
      ['owner', 'team-a'],
    ]);
    const out = fileSchema(new Schema([f('a')], metadata));
    expect([...out.metadata]).toEqual([
      ['latentflow.numeric', 'kept: not a source key'],
      ['owner', 'team-a'],
    ]);
    expect(metadata.size).toBe(6);
  });
});

describe('relabel', () => {
  it('gives the batch the new schema, with the same rows and the same column buffers', () => {
    const batch = batchOf([f('a'), f('b', new Utf8())], 3);
    const schema = fileSchema(batch.schema);
    const out = relabel(batch, schema);
    expect(out.schema.fields).toEqual(schema.fields);
    expect(out.numRows).toBe(3);
    expect(out.data.children).toHaveLength(2);
    out.data.children.forEach((child, i) => expect(child).toBe(batch.data.children[i]));
    expect(out.getChild('b')!.toArray()).toEqual(['v0', 'v1', 'v2']);
    expect(out.schema.fields.every((x) => x.nullable)).toBe(true);
  });
});

describe('SchemaGuard', () => {
  it('knows no schema before the first batch, then the first batch schema', () => {
    const guard = new SchemaGuard('ipc-sink', '/out.arrow');
    expect(guard.schema).toBeUndefined();
    const first = batchOf([f('a'), f('b')]);
    guard.check(first, 0);
    expect(guard.schema).toBe(first.schema);
    guard.check(batchOf([f('a'), f('b')]), 1);
    expect(guard.schema).toBe(first.schema);
  });

  it('accepts later batches that differ only in nullability, field metadata and schema metadata', () => {
    const guard = new SchemaGuard('ipc-sink', '/out.arrow');
    guard.check(batchOf([f('a'), f('b', new Utf8())]), 0);
    const other = [new Field('a', new Float64(), true, new Map([['k', 'v']])), f('b', new Utf8(), true)];
    expect(() => guard.check(batchOf(other, 5, new Map([[META.firstRow, '2']])), 1)).not.toThrow();
  });

  it('a changed column type is a DataError naming the batch, file, column and both types', () => {
    const guard = new SchemaGuard('parquet-sink', '/out.parquet');
    guard.check(batchOf([f('a'), f('b')]), 0);
    const error = refusal(guard, batchOf([f('a'), f('b', new Int32())]), 3);
    expect(error).toMatchObject({ batch: 3, file: '/out.parquet', column: 'b', expected: 'Float64', received: 'Int32' });
    expect(error.message).toBe(
      'file /out.parquet, batch 3, column "b": parquet-sink: column type changed between batches; every batch written to one file must have the columns and types of the first batch (expected Float64, received Int32)',
    );
  });

  it('a type change in the first column is found too', () => {
    const guard = new SchemaGuard('ipc-sink', '/o');
    guard.check(batchOf([f('a', new Utf8())]), 0);
    expect(refusal(guard, batchOf([f('a')]), 1)).toMatchObject({ column: 'a', expected: 'Utf8', received: 'Float64' });
  });

  it('a column left out is missing, with both column lists', () => {
    const guard = new SchemaGuard('ipc-sink', '/out.arrow');
    guard.check(batchOf([f('a'), f('b'), f('c')]), 0);
    const error = refusal(guard, batchOf([f('a'), f('c')]), 2);
    expect(error).toMatchObject({ batch: 2, file: '/out.arrow', column: 'b', expected: 'columns [a, b, c]', received: 'columns [a, c]' });
    expect(error.message).toBe(
      'file /out.arrow, batch 2, column "b": ipc-sink: column "b" is missing compared with the first batch; every batch written to one file must have the columns and types of the first batch (expected columns [a, b, c], received columns [a, c])',
    );
    // The last column left out.
    expect(refusal(guard, batchOf([f('a'), f('b')]), 4)).toMatchObject({ column: 'c', received: 'columns [a, b]' });
    // A repeated name in the first batch, once in the later one: the second is missing.
    const twice = new SchemaGuard('ipc-sink', '/o');
    twice.check(batchOf([f('x'), f('x')]), 0);
    expect(refusal(twice, batchOf([f('x')]), 1)).toMatchObject({ column: 'x', expected: 'columns [x, x]', received: 'columns [x]' });
    expect(refusal(twice, batchOf([f('x')]), 1).message).toContain('column "x" is missing compared with the first batch');
    // A renamed column: the old name is missing.
    expect(refusal(guard, batchOf([f('a'), f('x'), f('c')]), 5).message).toContain('column "b" is missing compared with the first batch');
  });

  it('a column added at the end or in the middle is new', () => {
    const guard = new SchemaGuard('ipc-sink', '/out.arrow');
    guard.check(batchOf([f('a'), f('b')]), 0);
    const end = refusal(guard, batchOf([f('a'), f('b'), f('z')]), 1);
    expect(end).toMatchObject({ column: 'z', expected: 'columns [a, b]', received: 'columns [a, b, z]' });
    expect(end.message).toContain('ipc-sink: column "z" is new compared with the first batch;');
    const middle = refusal(guard, batchOf([f('a'), f('z'), f('b')]), 1);
    expect(middle).toMatchObject({ column: 'z', received: 'columns [a, z, b]' });
    expect(middle.message).toContain('column "z" is new compared with the first batch;');
  });

  it('the same columns in another order: the first one in the wrong place is out of place', () => {
    const guard = new SchemaGuard('ipc-sink', '/out.arrow');
    guard.check(batchOf([f('a'), f('b'), f('c')]), 0);
    const error = refusal(guard, batchOf([f('a'), f('c'), f('b')]), 7);
    expect(error).toMatchObject({ batch: 7, column: 'c', expected: 'columns [a, b, c]', received: 'columns [a, c, b]' });
    expect(error.message).toContain('ipc-sink: column "c" is out of place compared with the first batch;');
  });
});

describe('located', () => {
  it('adds the file and first row to the batch metadata, keeping its own metadata and buffers', () => {
    const batch = batchOf([f('a'), f('b')], 2, new Map([['owner', 'team-a'], [META.firstRow, '99']]));
    const out = located(batch, '/in.arrow', 40);
    expect(out.schema.metadata.get(META.file)).toBe('/in.arrow');
    // The file's position wins over one the batch carried.
    expect(out.schema.metadata.get(META.firstRow)).toBe('40');
    expect(out.schema.metadata.get('owner')).toBe('team-a');
    expect(out.numRows).toBe(2);
    out.data.children.forEach((child, i) => expect(child).toBe(batch.data.children[i]));
    expect(batch.schema.metadata.get(META.file)).toBeUndefined();
  });

  it('two columns of one name are a DataError naming it and both 1-based positions', () => {
    const batch = batchOf([f('id', new Utf8()), f('x'), f('y'), new Field('id', new Float64(), true)], 1);
    let error: unknown;
    try {
      located(batch, '/in.parquet', 0);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ file: '/in.parquet', column: 'id', expected: 'unique column names', received: 'columns [id, x, y, id]' });
    expect((error as Error).message).toBe(
      'file /in.parquet, column "id": duplicate column name "id" in the file\'s schema at columns 1 and 4; rename one of them (expected unique column names, received columns [id, x, y, id])',
    );
  });

  it('names the first repeated name, with the position it was first seen at', () => {
    const batch = batchOf([f('a'), f('b'), f('b'), f('a')], 1);
    expect(() => located(batch, '/f', 0)).toThrow('duplicate column name "b" in the file\'s schema at columns 2 and 3;');
  });
});
