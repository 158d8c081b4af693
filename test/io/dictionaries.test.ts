import { Dictionary, Float64, Int32, Int8, RecordBatch, Utf8, makeData, makeVector, vectorFromArray, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { batchOf } from '../connectors/helpers.js';
import { DictionaryUnifier } from '../../src/io/dictionaries.js';

const dict = (values: (string | null)[], indices: Int32 | Int8 = new Int32()) => vectorFromArray(values, new Dictionary<Utf8, Int32 | Int8>(new Utf8(), indices));
const values = (b: RecordBatch, name: string) => [...(b.getChild(name) as Vector)];
const dictionaryOf = (b: RecordBatch, name: string) => [...(b.getChild(name)!.data[0].dictionary as Vector)];

describe('DictionaryUnifier', () => {
  it('passes batches without dictionary columns as they are', () => {
    const batch = batchOf({ x: vectorFromArray([1, 2], new Int32()) });
    expect(new DictionaryUnifier('ipc-sink').unify(batch)).toBe(batch);
  });

  it('grows one dictionary per column: later batches keep their values, relabelled with the first batch type', () => {
    const u = new DictionaryUnifier('ipc-sink');
    const first = u.unify(batchOf({ c: dict(['red', 'green', 'red']), n: vectorFromArray([1, 2, 3], new Int32()) }));
    const firstType = first.schema.fields[0].type as Dictionary;
    const second = u.unify(batchOf({ c: dict(['blue', 'red', null, 'blue']), n: vectorFromArray([4, 5, 6, 7], new Int32()) }));
    expect(values(first, 'c')).toEqual(['red', 'green', 'red']);
    expect(values(second, 'c')).toEqual(['blue', 'red', null, 'blue']);
    expect(values(second, 'n')).toEqual([4, 5, 6, 7]);
    expect((second.schema.fields[0].type as Dictionary).id).toBe(firstType.id);
    // The first dictionary's values keep their positions; a new one is appended once.
    expect(dictionaryOf(second, 'c')).toEqual(['red', 'green', 'blue']);
    const indices = second.getChild('c')!.data[0].values as Int32Array;
    expect([indices[0], indices[1], indices[3]]).toEqual([2, 0, 2]);
    expect(second.getChild('c')!.nullCount).toBe(1);
    const third = u.unify(batchOf({ c: dict(['green', 'yellow']), n: vectorFromArray([8, 9], new Int32()) }));
    expect(values(third, 'c')).toEqual(['green', 'yellow']);
    expect(dictionaryOf(third, 'c')).toEqual(['red', 'green', 'blue', 'yellow']);
  });

  it('a batch that shares the first dictionary keeps its indices and gets the grown dictionary', () => {
    const u = new DictionaryUnifier('ipc-sink');
    const shared = dict(['a', 'b']);
    const data = shared.data[0];
    u.unify(batchOf({ c: shared }));
    u.unify(batchOf({ c: dict(['z']) }));
    const again = u.unify(batchOf({ c: makeVector(makeData({ type: data.type, length: 2, nullCount: 0, data: new Int32Array([1, 0]), dictionary: data.dictionary })) }));
    expect(values(again, 'c')).toEqual(['b', 'a']);
    expect(dictionaryOf(again, 'c')).toEqual(['a', 'b', 'z']);
  });

  it('refuses a dictionary that outgrows its index type across batches, naming the column', () => {
    const u = new DictionaryUnifier('ipc-sink');
    const many = (from: number) => Array.from({ length: 100 }, (_, i) => `v${from + i}`);
    u.unify(batchOf({ tag: dict(many(0), new Int8()) }));
    let error: unknown;
    try {
      u.unify(batchOf({ tag: dict(many(100), new Int8()) }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/ipc-sink: the dictionary of column "tag" outgrows its Int8 indices/);
    expect((error as DataError).column).toBe('tag');
    expect((error as DataError).received).toBe('200');
    expect((error as DataError).expected).toBe('at most 128 distinct values');
  });

  it('float dictionaries are appended whole (0 and -0 stay apart), values exact', () => {
    const u = new DictionaryUnifier('ipc-sink');
    const floats = (v: number[]) => vectorFromArray(v, new Dictionary(new Float64(), new Int32()));
    u.unify(batchOf({ f: floats([0, 1.5]) }));
    const second = u.unify(batchOf({ f: floats([-0, 1.5]) }));
    const got = values(second, 'f') as number[];
    expect(Object.is(got[0], -0)).toBe(true);
    expect(got[1]).toBe(1.5);
    expect(dictionaryOf(second, 'f')).toHaveLength(4);
  });

  it('leaves a column whose dictionary type changed (another index width) to the schema guard', () => {
    const u = new DictionaryUnifier('ipc-sink');
    u.unify(batchOf({ c: dict(['a']) }));
    const other = batchOf({ c: dict(['b'], new Int8()) });
    const out = u.unify(other);
    expect(out.getChild('c')!.data[0]).toBe(other.getChild('c')!.data[0]);
  });
});
