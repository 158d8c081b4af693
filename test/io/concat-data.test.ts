import { Bool, Dictionary, Field, Float64, Int32, Int64, LargeUtf8, List, makeData, makeVector, Null, Struct, Utf8, vectorFromArray, type Data, type DataType } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { concatData } from '../../src/io/concat-data.js';
import { concatBatches } from '../../src/io/rebatch.js';
import { batchOf } from '../connectors/helpers.js';

const data = <T extends DataType>(values: unknown[], type: T): Data<T> => vectorFromArray(values as never, type).data[0] as Data<T>;
const join = (parts: Data[]) => [...makeVector(concatData(parts, 'c'))];

describe('concatData joins the pieces of one column exactly', () => {
  it('returns a single piece as it is', () => {
    const only = data([1, 2], new Int32());
    expect(concatData([only], 'c')).toBe(only);
  });

  it('fixed width with nulls in some pieces, int64 as raw bits', () => {
    expect(join([data([1, null], new Int32()), data([3], new Int32()), data([null, 5], new Int32())])).toEqual([1, null, 3, null, 5]);
    const joined = concatData([data([1, 2], new Int32()), data([3], new Int32())], 'c');
    expect(joined.nullCount).toBe(0);
    const big = (v: bigint[]) => makeData({ type: new Int64(), length: v.length, nullCount: 0, data: BigInt64Array.from(v) });
    expect(join([big([2n ** 62n + 1n]), big([-(2n ** 63n), 7n])])).toEqual([2n ** 62n + 1n, -(2n ** 63n), 7n]);
    expect(join([data([0.1], new Float64()), data([-0, 2.5], new Float64())]).map((v) => Object.is(v, -0) ? '-0' : v)).toEqual([0.1, '-0', 2.5]);
  });

  it('fixed-width pieces that are slices of a larger buffer contribute only their own rows', () => {
    const whole = makeVector(data([1, 2, 3, 4, 5, 6], new Int32()));
    expect(join([whole.slice(1, 3).data[0], whole.slice(4, 6).data[0]])).toEqual([2, 3, 5, 6]);
  });

  it('bools bit by bit across piece boundaries that are not byte-aligned', () => {
    const a = data([true, false, true], new Bool());
    const b = data([true, true, null, false, true, true, true, false, true], new Bool());
    expect(join([a, b])).toEqual([true, false, true, true, true, null, false, true, true, true, false, true]);
  });

  it('utf8 and large utf8 with offsets rebased, sliced pieces included', () => {
    expect(join([data(['a', 'bé'], new Utf8()), data(['', '日本', null], new Utf8())])).toEqual(['a', 'bé', '', '日本', null]);
    const whole = makeVector(data(['x', 'yy', 'zzz', 'w'], new Utf8()));
    expect(join([whole.slice(1, 3).data[0], whole.slice(3, 4).data[0]])).toEqual(['yy', 'zzz', 'w']);
    const large = concatData([data(['p'], new LargeUtf8()), data(['qq', 'r'], new LargeUtf8())], 'c');
    expect([...makeVector(large)]).toEqual(['p', 'qq', 'r']);
    expect(large.valueOffsets).toBeInstanceOf(BigInt64Array);
  });

  it('dictionaries: one shared dictionary stays shared; different ones are laid end to end with shifted indices', () => {
    const first = data(['red', 'green'], new Dictionary(new Utf8(), new Int32()));
    const sameDict = makeData({ type: first.type, length: 2, nullCount: 0, data: new Int32Array([1, 1]), dictionary: first.dictionary });
    const shared = concatData([first, sameDict], 'c');
    expect([...makeVector(shared)]).toEqual(['red', 'green', 'green', 'green']);
    expect(shared.dictionary).toBe(first.dictionary);
    const other = data(['blue', 'red'], new Dictionary(new Utf8(), new Int32()));
    const mixed = concatData([first, other, sameDict], 'c');
    expect([...makeVector(mixed)]).toEqual(['red', 'green', 'blue', 'red', 'green', 'green']);
    expect([...mixed.dictionary!]).toEqual(['red', 'green', 'blue', 'red']);
    // Builders pad their index buffers past the length (IPC bodies are padded to 8 bytes too): only each
    // piece's own rows may be joined, or every later row shifts onto the wrong value.
    expect((first.values as Int32Array).length).toBeGreaterThan(first.length);
    const sliced = makeVector(data(['a', 'b', 'c', 'a'], new Dictionary(new Utf8(), new Int32()))).slice(1, 3).data[0];
    expect([...makeVector(concatData([sliced, other], 'c'))]).toEqual(['b', 'c', 'blue', 'red']);
  });

  it('struct children recursively; null columns stay null', () => {
    const type = new Struct([new Field('a', new Int32()), new Field('b', new Utf8())]);
    const rows = join([data([{ a: 1, b: 'p' }], type), data([{ a: 2, b: 'q' }, { a: 3, b: 'r' }], type)]).map((r) => (r as { toJSON(): unknown }).toJSON());
    expect(rows).toEqual([{ a: 1, b: 'p' }, { a: 2, b: 'q' }, { a: 3, b: 'r' }]);
    const nulls = concatData([makeData({ type: new Null(), length: 2 }), makeData({ type: new Null(), length: 3 })], 'c');
    expect([nulls.length, nulls.nullCount]).toEqual([5, 5]);
  });

  it('a list column is a DataError naming the column, never a lossy join', () => {
    const type = new List(new Field('item', new Int32()));
    let error: unknown;
    try {
      concatData([data([[1]], type), data([[2, 3]], type)], 'tags');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).column).toBe('tags');
    expect((error as DataError).message).toMatch(/cannot join batches with a List/);
  });
});

describe('concatBatches (what sources use to reach batchRows)', () => {
  it('keeps every value of dictionary columns whose index buffers are padded', () => {
    const dict = (v: string[]) => vectorFromArray(v, new Dictionary(new Utf8(), new Int32()));
    const joined = concatBatches([batchOf({ c: dict(['a', 'b', 'c']), n: vectorFromArray([1, 2, 3], new Int32()) }), batchOf({ c: dict(['x', 'y']), n: vectorFromArray([4, 5], new Int32()) })]);
    expect([...joined.getChild('c')!]).toEqual(['a', 'b', 'c', 'x', 'y']);
    expect([...joined.getChild('n')!]).toEqual([1, 2, 3, 4, 5]);
  });
});
