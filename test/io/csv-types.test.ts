import { Bool, Dictionary, Float32, Float64, Int32, Int64, makeData, makeVector, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { buildColumn, cellFormatter, inferColumnType, numberSpelling, parseNumber } from '../../src/io/csv-types.js';

const NULLS = new Set(['', 'NA']);
const bad = (row: number, text: string): never => {
  throw new Error(`bad ${row} ${JSON.stringify(text)}`);
};
const column = (...args: Parameters<typeof buildColumn>) => [...makeVector(buildColumn(...args))];

describe('numberSpelling', () => {
  it.each([
    ['2.5', 'canonical'],
    ['2.50', 'respelled'],
    ['2.0', 'respelled'],
    ['+5', 'respelled'],
    [' 5', 'respelled'],
    ['5 ', 'respelled'],
    ['1e3', 'respelled'],
    ['1000.000e0', 'respelled'],
    ['0.000', 'respelled'],
    ['-0.0', 'respelled'],
    ['.5', 'respelled'],
    ['nan', 'respelled'],
    ['-INF', 'respelled'],
    ['007', 'value-changing'],
    ['-01.5', 'value-changing'],
    ['12345678901234567891', 'value-changing'],
    ['0.1000000000000000055511151231257827', 'value-changing'],
  ])('%s is %s', (text, kind) => {
    expect(numberSpelling(text, parseNumber(text)!)).toBe(kind);
  });
});

describe('inferColumnType', () => {
  const isNull = (c: string) => NULLS.has(c);
  it('float64 when every non-null cell is written as float64 writes it back, also when all are null', () => {
    expect(inferColumnType(['1', '2.5', '', '-3'], isNull)).toBe('float64');
    expect(inferColumnType(['', 'NA'], isNull)).toBe('float64');
  });
  it('numeric-text when a number is spelled otherwise; string when a cell is not a number', () => {
    expect(inferColumnType(['1', '007'], isNull)).toBe('numeric-text');
    expect(inferColumnType(['1.50', '2'], isNull)).toBe('numeric-text');
    expect(inferColumnType(['1', 'x', '007'], isNull)).toBe('string');
  });
});

describe('buildColumn', () => {
  it('numbers: nulls matched after trimming, values exact, respellings reported with their kind', () => {
    const seen: [number, string, string][] = [];
    const got = column('float64', ['1.5', ' NA ', '2.50', '007', ''], NULLS, bad, (row, text, kind) => seen.push([row, text, kind]));
    expect(got).toEqual([1.5, null, 2.5, 7, null]);
    expect(seen).toEqual([
      [2, '2.50', 'respelled'],
      [3, '007', 'value-changing'],
    ]);
    expect(column('float32', ['0.1', 'NA'], NULLS, bad)).toEqual([Math.fround(0.1), null]);
    expect(buildColumn('float64', ['1', '2'], NULLS, bad).nullCount).toBe(0);
    expect(() => buildColumn('float64', ['1', 'x'], NULLS, bad)).toThrow('bad 1 "x"');
  });

  it('int32 inside its range only; int64 exactly, inside its range only', () => {
    expect(column('int32', [' -2147483648', '2147483647 ', 'NA'], NULLS, bad)).toEqual([-2147483648, 2147483647, null]);
    expect(() => buildColumn('int32', ['2147483648'], NULLS, bad)).toThrow('bad 0');
    expect(() => buildColumn('int32', ['-2147483649'], NULLS, bad)).toThrow('bad 0');
    expect(() => buildColumn('int32', ['1.5'], NULLS, bad)).toThrow('bad 0');
    expect(column('int64', ['9223372036854775807', ' -9223372036854775808', ''], NULLS, bad)).toEqual([9223372036854775807n, -9223372036854775808n, null]);
    expect(() => buildColumn('int64', ['9223372036854775808'], NULLS, bad)).toThrow('bad 0');
    expect(() => buildColumn('int64', ['-9223372036854775809'], NULLS, bad)).toThrow('bad 0');
    expect(() => buildColumn('int64', ['1e3'], NULLS, bad)).toThrow('bad 0');
  });

  it('bool: true/false/1/0 in any case, spaces trimmed, anything else is bad', () => {
    expect(column('bool', ['TRUE', ' false ', '1', '0', 'NA', 'True'], NULLS, bad)).toEqual([true, false, true, false, null, true]);
    expect(() => buildColumn('bool', ['yes'], NULLS, bad)).toThrow('bad 0 "yes"');
  });

  it('strings verbatim (spaces kept, only exact null texts are null), unicode offsets right', () => {
    expect(column('string', [' a ', 'NA', ' NA ', 'Zoë', '日本', ''], NULLS, bad)).toEqual([' a ', null, ' NA ', 'Zoë', '日本', null]);
    expect(buildColumn('string', ['a', 'b'], NULLS, bad).nullCount).toBe(0);
  });

  it('numeric-text keeps the text verbatim, nulls after trimming, and refuses a non-number', () => {
    expect(column('numeric-text', ['007', ' NA ', '1.50'], NULLS, bad)).toEqual(['007', null, '1.50']);
    expect(() => buildColumn('numeric-text', ['007', 'x'], NULLS, bad)).toThrow('bad 1 "x"');
  });
});

describe('cellFormatter', () => {
  const texts = (v: Parameters<typeof cellFormatter>[0]) => {
    const f = cellFormatter(v);
    return Array.from({ length: v.length }, (_, i) => f(i));
  };
  it('floats read back exactly (float32 in its shortest text), nulls as null, -0 kept', () => {
    expect(texts(vectorFromArray([0.1, null, -0, 1e21], new Float64()))).toEqual(['0.1', null, '-0', '1e+21']);
    expect(texts(vectorFromArray([0.1, 3.4e38], new Float32()))).toEqual(['0.1', '3.4e+38']);
  });
  it('ints, int64 exactly, bools, strings verbatim, dictionaries as their values', () => {
    expect(texts(vectorFromArray([1, null, -7], new Int32()))).toEqual(['1', null, '-7']);
    expect(texts(makeVector(makeData({ type: new Int64(), length: 1, nullCount: 0, data: new BigInt64Array([2n ** 62n + 1n]) })))).toEqual(['4611686018427387905']);
    expect(texts(vectorFromArray([true, false, null], new Bool()))).toEqual(['true', 'false', null]);
    expect(texts(vectorFromArray([' 007 ', ''], new Utf8()))).toEqual([' 007 ', '']);
    expect(texts(vectorFromArray(['b', 'a', 'b'], new Dictionary(new Utf8(), new Int32())))).toEqual(['b', 'a', 'b']);
  });
  it('a float column of several chunks takes the general path with the same texts', () => {
    const a = vectorFromArray([0.5, null], new Float64());
    const b = vectorFromArray([-0, 2], new Float64());
    expect(texts(a.concat(b))).toEqual(['0.5', null, '-0', '2']);
  });
});
