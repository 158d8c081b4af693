import type { ColumnKind } from '../../src/models/feature-encoding.js';
import { Bool, Dictionary, Float64, Int32, makeVector, Table, Timestamp, TimeUnit, Utf8, vectorFromArray, type RecordBatch, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { sourceMetadata } from '../../src/io/batch-meta.js';
import { withMetadata } from '../../src/io/batch.js';
import { encodeBatch, encodingImputeValues, fitEncoding, fnv1a, resolveColumnKinds } from '../../src/io/feature-encoder.js';
import { encodingParam, type FitFeatures } from '../../src/io/feature-options.js';
import { NULL_SLOT, type FeatureEncoding } from '../../src/models/feature-encoding.js';

/** A `kinds` param as the stage schema gives it (a Map: column names are user names, contract/name-record.ts). */
const kindsOf = (kinds: Readonly<Record<string, ColumnKind>>): ReadonlyMap<string, ColumnKind> => new Map(Object.entries(kinds));

const OPTIONS = encodingParam.parse(undefined);

/** One batch of the given columns (typed arrays or Arrow vectors). */
function batchOf(columns: Record<string, Vector | Float64Array | Int32Array>): RecordBatch {
  const vectors = Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, ArrayBuffer.isView(v) ? makeVector(v) : v]));
  return new Table(vectors).batches[0];
}

function fit(batch: RecordBatch, features: FitFeatures = 'auto', options = OPTIONS, kinds: Record<string, ColumnKind> = {}): FeatureEncoding {
  return fitEncoding([batch], resolveColumnKinds(batch.schema, features, kindsOf(kinds), []), options).encoding;
}

/** The slot a row's categorical value went to (index within the block), or -1. */
function hotSlot(encoding: FeatureEncoding, data: Float32Array, row: number, column: string): number {
  const b = encoding.blocks.find((x) => x.column === column)!;
  for (let j = 0; j < b.width; j++) if (data[row * encoding.width + b.start + j] === 1) return j;
  return -1;
}

describe('resolveColumnKinds', () => {
  it('auto gives text and dictionaries categorical, bools boolean, timestamps timestamp; kinds override and add', () => {
    const batch = batchOf({
      n: Float64Array.from([1, 2]),
      code: Int32Array.from([3, 4]),
      text: vectorFromArray(['a', 'b'], new Utf8()),
      dict: vectorFromArray(['x', 'y'], new Dictionary(new Utf8(), new Int32())),
      flag: vectorFromArray([true, false], new Bool()),
      at: vectorFromArray([0, 1], new Timestamp(TimeUnit.MILLISECOND)),
    });
    expect(resolveColumnKinds(batch.schema, 'auto', kindsOf({ code: 'categorical' }), []).map((c) => `${c.column}:${c.kind}`)).toEqual([
      'n:numeric',
      'code:categorical',
      'text:categorical',
      'dict:categorical',
      'flag:boolean',
      'at:timestamp',
    ]);
    // numeric stays numeric-only; a declared kind adds its column.
    expect(resolveColumnKinds(batch.schema, 'numeric', kindsOf({ text: 'categorical' }), ['code']).map((c) => c.column)).toEqual(['n', 'text']);
  });

  it('auto reads a text column of ISO 8601 times (as CSV gives them) as a timestamp, other text as categorical', () => {
    const batch = batchOf({ at: vectorFromArray(['2026-12-07T06:00:00Z', null, '2026-12-08 07:30'], new Utf8()), c: vectorFromArray(['2026', 'x', 'y'], new Utf8()) });
    expect(resolveColumnKinds(batch.schema, 'auto', kindsOf({}), [], batch).map((c) => `${c.column}:${c.kind}`)).toEqual(['at:timestamp', 'c:categorical']);
  });

  it('a declared column that is missing, or numeric on text, is a DataError naming it', () => {
    const batch = batchOf({ text: vectorFromArray(['a'], new Utf8()) });
    expect(() => resolveColumnKinds(batch.schema, 'numeric', kindsOf({ nope: 'categorical' }), [])).toThrow(/"nope"/);
    expect(() => resolveColumnKinds(batch.schema, ['text'], kindsOf({ text: 'numeric' }), [])).toThrow(DataError);
  });
});

describe('fitEncoding / encodeBatch', () => {
  it('one-hot keeps frequent categories, folds rare ones into other, and gives unseen values the unknown slot (counted)', () => {
    const values = [...Array(60).fill('a'), ...Array(39).fill('b'), 'rare'];
    const enc = fit(batchOf({ c: vectorFromArray(values, new Utf8()), n: Float64Array.from(values.map((_, i) => i)) }), 'auto', { ...OPTIONS, minCategoryShare: 0.05 });
    expect(enc.columns.find((c) => c.column === 'c')).toMatchObject({ kind: 'categorical', method: 'one-hot', categories: ['a', 'b'], seen: ['rare'] });
    // kept 2 + other + unknown + null
    expect(enc.blocks.find((b) => b.column === 'c')!.width).toBe(5);
    const scored = batchOf({ c: vectorFromArray(['b', 'rare', 'never', null], new Utf8()), n: Float64Array.from([0, 0, 0, 0]) });
    const out = encodeBatch(scored, 0, enc, 'error');
    expect([0, 1, 2, 3].map((r) => hotSlot(enc, out.matrix.data, r, 'c'))).toEqual([1, 2, 3, 4]);
    expect(out.unknownValues).toBe(1);
    // Exactly one slot is hot per row.
    const b = enc.blocks.find((x) => x.column === 'c')!;
    for (let r = 0; r < 4; r++) expect(out.matrix.data.subarray(r * enc.width + b.start, r * enc.width + b.start + b.width).reduce((s, v) => s + v, 0)).toBe(1);
  });

  it('onUnknown: error throws a DataError naming file, row and column of the unseen category', () => {
    const enc = fit(batchOf({ c: vectorFromArray(['a', 'b', 'a'], new Utf8()), n: Float64Array.from([1, 2, 3]) }), 'auto', { ...OPTIONS, onUnknown: 'error' });
    const scored = withMetadata(batchOf({ c: vectorFromArray(['a', 'zzz'], new Utf8()), n: Float64Array.from([1, 2]) }), sourceMetadata({ file: 'events.csv', firstRow: 0, firstLine: 2 }));
    let error: unknown;
    try {
      encodeBatch(scored, 0, enc, 'error');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ file: 'events.csv', row: 1, column: 'c', received: '"zzz"' });
  });

  it('nulls in a categorical column take their own slot and are never missing values', () => {
    const enc = fit(batchOf({ c: vectorFromArray(['a', null, 'a', null], new Utf8()), n: Float64Array.from([1, 2, 3, 4]) }));
    const out = encodeBatch(batchOf({ c: vectorFromArray([null, 'a'], new Utf8()), n: Float64Array.from([1, 2]) }), 0, enc, 'error');
    expect(out.invalidRows).toBe(0);
    const col = enc.columns.find((c) => c.column === 'c')!;
    const slots = col.kind === 'categorical' ? [...col.categories, '__other__', '__unknown__', NULL_SLOT] : [];
    expect(slots[hotSlot(enc, out.matrix.data, 0, 'c')]).toBe(NULL_SLOT);
    expect(slots[hotSlot(enc, out.matrix.data, 1, 'c')]).toBe('a');
  });

  it('10,000 distinct values hash into hashBuckets slots (+ unknown, null), stably, and every seen value stays known', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => `user-${i % 10_000}`);
    const enc = fit(batchOf({ user: vectorFromArray(values, new Utf8()), n: Float64Array.from(values.map((_, i) => i % 7)) }), ['user', 'n']);
    const col = enc.columns[0];
    expect(col).toMatchObject({ kind: 'categorical', method: 'hash', buckets: OPTIONS.hashBuckets });
    expect(enc.width).toBe(1 + OPTIONS.hashBuckets + 2);
    const out = encodeBatch(batchOf({ user: vectorFromArray(['user-123', 'user-9999', 'brand-new'], new Utf8()), n: Float64Array.from([0, 0, 0]) }), 0, enc, 'error');
    expect(hotSlot(enc, out.matrix.data, 0, 'user')).toBe(fnv1a('user-123') % OPTIONS.hashBuckets);
    expect(hotSlot(enc, out.matrix.data, 1, 'user')).toBe(fnv1a('user-9999') % OPTIONS.hashBuckets);
    expect(hotSlot(enc, out.matrix.data, 2, 'user')).toBe(OPTIONS.hashBuckets);
    expect(out.unknownValues).toBe(1);
  });

  it('features: auto leaves out a text id column (distinct values > half the rows); a declared one is kept', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `r${i}`);
    const batch = batchOf({ id: vectorFromArray(ids, new Utf8()), c: vectorFromArray(ids.map((_, i) => (i % 2 ? 'a' : 'b')), new Utf8()) });
    const auto = fitEncoding([batch], resolveColumnKinds(batch.schema, 'auto', kindsOf({}), []), OPTIONS);
    expect(auto.skipped).toEqual(['id']);
    expect(auto.encoding.columns.map((c) => c.column)).toEqual(['c']);
    expect(fit(batch, 'auto', OPTIONS, { id: 'categorical' }).columns.map((c) => c.column)).toEqual(['id', 'c']);
  });

  it('integer codes declared categorical are categories, not numbers', () => {
    const enc = fit(batchOf({ code: Int32Array.from([200, 404, 200, 500]), n: Float64Array.from([1, 2, 3, 4]) }), 'numeric', OPTIONS, { code: 'categorical' });
    expect(enc.columns.find((c) => c.column === 'code')).toMatchObject({ kind: 'categorical', categories: ['200', '404', '500'] });
  });

  it('timestamps give sin/cos of hour of day and day of week (UTC), never the time as a number', () => {
    const at = Date.UTC(2026, 11, 7, 6, 0); // a Monday, 06:00
    const enc = fit(batchOf({ at: vectorFromArray([at, at + 3_600_000], new Timestamp(TimeUnit.MILLISECOND)), n: Float64Array.from([1, 2]) }));
    expect(enc.blocks.find((b) => b.column === 'at')).toMatchObject({ loss: 'numeric', width: 4 });
    const out = encodeBatch(batchOf({ at: vectorFromArray([at], new Timestamp(TimeUnit.MILLISECOND)), n: Float64Array.from([1]) }), 0, enc, 'error');
    const b = enc.blocks.find((x) => x.column === 'at')!;
    const [hs, hc, ds, dc] = out.matrix.data.subarray(b.start, b.start + 4);
    expect(hs).toBeCloseTo(1, 6); // 06:00 is a quarter turn
    expect(hc).toBeCloseTo(0, 6);
    const monday = (1 + 0.25) / 7; // Sunday = 0, plus the fraction of the day
    expect(ds).toBeCloseTo(Math.sin(2 * Math.PI * monday), 6);
    expect(dc).toBeCloseTo(Math.cos(2 * Math.PI * monday), 6);
    expect(() => fit(batchOf({ at: vectorFromArray([at], new Timestamp(TimeUnit.MILLISECOND)), n: Float64Array.from([1]) }), 'auto', { ...OPTIONS, cyclic: [] })).toThrow(/never used as a plain number/);
  });

  it('booleans are one 0/1 slot; a null boolean follows the missing-value policy and imputes the share of true', () => {
    const batch = batchOf({ flag: vectorFromArray([true, false, true, true], new Bool()), n: Float64Array.from([1, 2, 3, 4]) });
    const enc = fit(batch);
    const means = encodingImputeValues([batch], enc);
    expect(means[enc.columns.findIndex((c) => c.column === 'flag')]).toBeCloseTo(0.75, 9);
    const scored = batchOf({ flag: vectorFromArray([null, false], new Bool()), n: Float64Array.from([1, 2]) });
    expect(() => encodeBatch(scored, 0, enc, 'error')).toThrow(DataError);
    const dropped = encodeBatch(scored, 0, enc, 'drop');
    expect(dropped.keptRows).toEqual([1]);
    const imputed = encodeBatch(scored, 0, enc, 'impute', means);
    expect(imputed.matrix.data[enc.blocks.find((b) => b.column === 'flag')!.start]).toBeCloseTo(0.75, 6);
  });

  it('numeric slots come first (the scaler covers exactly numericWidth), then 0/1 slots', () => {
    const enc = fit(batchOf({ c: vectorFromArray(['a', 'b'], new Utf8()), flag: vectorFromArray([true, false], new Bool()), n: Float64Array.from([1, 2]) }));
    expect(enc.blocks.map((b) => `${b.column}:${b.loss}@${b.start}`)).toEqual(['n:numeric@0', 'c:categorical@1', 'flag:binary@6']);
    expect(enc.numericWidth).toBe(1);
    expect(enc.width).toBe(7);
  });
});

describe('kinds keyed by column names', () => {
  it('a column named like an Object member (constructor, toString) is numeric unless declared otherwise', () => {
    const batch = batchOf({ constructor: vectorFromArray([1, 2], new Float64()), toString: vectorFromArray([3, 4], new Float64()) });
    expect(resolveColumnKinds(batch.schema, 'numeric', kindsOf({}), []).map((c) => `${c.column}:${c.kind}`)).toEqual(['constructor:numeric', 'toString:numeric']);
    expect(resolveColumnKinds(batch.schema, 'numeric', new Map([['constructor', 'categorical' as const]]), []).map((c) => `${c.column}:${c.kind}`)).toEqual(['constructor:categorical', 'toString:numeric']);
  });
});
