import { Bool, Dictionary, Field, FixedSizeList, Float64, Int32, Int64, LargeUtf8, List, makeData, makeVector, Null, Struct, TimeUnit, Timestamp, Utf8, vectorFromArray, SparseUnion, type Union } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { takeData } from '../../src/io/take-rows.js';

const rows = [3, 0, 3, 1];
const take = (v: { data: readonly unknown[] }, column = 'c') => makeVector(takeData((v as never as { data: [never] }).data[0], rows, column));

describe('takeData copies the taken rows exactly, for every layout', () => {
  it('fixed width: int32 with nulls, int64 and ns timestamps as raw bits, float64', () => {
    const ints = vectorFromArray([10, null, 30, 40], new Int32());
    const got = take(ints);
    expect(got.toArray().length).toBe(4);
    expect([...got].map((v) => v)).toEqual([40, 10, 40, null]);
    expect(got.nullCount).toBe(1);
    const big = makeVector(makeData({ type: new Int64(), length: 4, nullCount: 0, data: new BigInt64Array([1n, 2n, 2n ** 62n + 1n, -(2n ** 63n)]) }));
    expect([...take(big)]).toEqual([-(2n ** 63n), 1n, -(2n ** 63n), 2n]);
    const ts = makeVector(makeData({ type: new Timestamp(TimeUnit.NANOSECOND, 'UTC'), length: 4, nullCount: 0, data: new BigInt64Array([1n, 2n, 3n, 4_000_000_001n]) }));
    const t = take(ts);
    expect(Array.from(t.data[0].values as BigInt64Array)).toEqual([4_000_000_001n, 1n, 4_000_000_001n, 2n]);
    expect((t.type as Timestamp).unit).toBe(TimeUnit.NANOSECOND);
    expect((t.type as Timestamp).timezone).toBe('UTC');
    expect([...take(vectorFromArray([0.5, 1.5, 2.5, 3.5], new Float64()))]).toEqual([3.5, 0.5, 3.5, 1.5]);
  });

  it('no validity bitmap when none of the taken rows is null', () => {
    const got = take(vectorFromArray([1, 2, null, 4], new Int32()));
    expect(got.nullCount).toBe(0);
    expect([...got]).toEqual([4, 1, 4, 2]);
  });

  it('bools bit by bit, with nulls', () => {
    expect([...take(vectorFromArray([true, null, false, true], new Bool()))]).toEqual([true, true, true, null]);
    expect([...take(vectorFromArray([false, true, true, false], new Bool()))]).toEqual([false, false, false, true]);
  });

  it('utf8 and large utf8 as offsets and bytes (unicode intact)', () => {
    expect([...take(vectorFromArray(['a', 'bé', '', '日本'], new Utf8()))]).toEqual(['日本', 'a', '日本', 'bé']);
    const large = take(vectorFromArray(['x', null, 'zz', 'ü'], new LargeUtf8()));
    expect([...large]).toEqual(['ü', 'x', 'ü', null]);
    expect(large.data[0].valueOffsets).toBeInstanceOf(BigInt64Array);
  });

  it('dictionaries keep the dictionary and copy only the indices', () => {
    const dict = vectorFromArray(['red', 'green', 'red', 'blue'], new Dictionary(new Utf8(), new Int32()));
    const got = take(dict);
    expect([...got]).toEqual(['blue', 'red', 'blue', 'green']);
    expect(got.data[0].dictionary).toBe(dict.data[0].dictionary);
  });

  it('struct, list and fixed-size list children recursively', () => {
    const struct = vectorFromArray(
      [{ a: 1, b: 'p' }, { a: 2, b: 'q' }, { a: 3, b: 'r' }, { a: 4, b: 's' }],
      new Struct([new Field('a', new Int32()), new Field('b', new Utf8())]),
    );
    expect([...take(struct)].map((r) => r?.toJSON())).toEqual([{ a: 4, b: 's' }, { a: 1, b: 'p' }, { a: 4, b: 's' }, { a: 2, b: 'q' }]);
    const list = vectorFromArray([[1], [], [2, 3], [4, 5, 6]], new List(new Field('item', new Int32())));
    expect([...take(list)].map((r) => (r === null ? null : [...r]))).toEqual([[4, 5, 6], [1], [4, 5, 6], []]);
    const fixed = vectorFromArray([[1, 2], [3, 4], [5, 6], [7, 8]], new FixedSizeList(2, new Field('item', new Int32())));
    expect([...take(fixed)].map((r) => (r === null ? null : [...r]))).toEqual([[7, 8], [1, 2], [7, 8], [3, 4]]);
  });

  it('a null column stays all null; a union is a DataError naming the column, never a lossy copy', () => {
    const nulls = makeVector(makeData({ type: new Null(), length: 4 }));
    const got = take(nulls);
    expect(got.length).toBe(4);
    expect(got.nullCount).toBe(4);
    const child = makeData({ type: new Int32(), length: 4, nullCount: 0, data: new Int32Array([1, 2, 3, 4]) });
    const union = makeData({ type: new SparseUnion([0], [new Field('i', new Int32())]) as Union, length: 4, nullCount: 0, typeIds: new Int8Array(4), children: [child] } as never);
    expect(() => takeData(union, rows, 'tags')).toThrow(DataError);
    expect(() => takeData(union, rows, 'tags')).toThrow(/union|Union/);
    try {
      takeData(union, rows, 'tags');
    } catch (e) {
      expect((e as DataError & { column?: string }).column).toBe('tags');
    }
  });
});
