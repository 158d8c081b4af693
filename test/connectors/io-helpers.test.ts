import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Bool, Float64, Int64, Utf8, makeVector, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/errors.js';
import { createAtomicFile, writeAllAtomically, writeAtomically } from '../../src/io/atomic-file.js';
import { Closers } from '../../src/io/closers.js';
import { buildColumn, formatFloat32, formatFloat64, parseNumber } from '../../src/io/csv-types.js';
import { concatBatches, rebatch } from '../../src/io/rebatch.js';
import { seededRandom } from '../../src/models/random.js';
import { collect, fromArray } from '../helpers/context.js';
import { batchOf, rejection, tempDir, values } from './helpers.js';

describe('CSV number text', () => {
  it('formatFloat32 gives at most 9 significant digits that read back to the same float32', () => {
    const random = seededRandom(11);
    const bits = new Uint32Array(1);
    const f32 = new Float32Array(bits.buffer);
    const failures: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      bits[0] = Math.floor(random() * 2 ** 32);
      const x = f32[0];
      const text = formatFloat32(x);
      if (Number.isNaN(x)) {
        if (text !== 'NaN') failures.push(`NaN -> ${text}`);
        continue;
      }
      const digits = text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
      if (!Object.is(Math.fround(Number(text)), x) || (Number.isFinite(x) && digits > 9)) failures.push(`${x} -> ${text}`);
    }
    expect(failures).toEqual([]);
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(1 / 3))).toBe('0.33333334');
    expect(formatFloat32(-0)).toBe('-0');
  });

  it('formatFloat64 is the shortest round trip and keeps -0', () => {
    const random = seededRandom(12);
    const failures: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = (random() - 0.5) * 10 ** Math.floor(random() * 600 - 300);
      if (!Object.is(Number(formatFloat64(x)), x)) failures.push(String(x));
    }
    expect(failures).toEqual([]);
    expect(formatFloat64(-0)).toBe('-0');
  });

  it('parseNumber accepts decimals, exponents, NaN and Infinity, and rejects everything Number() is lax about', () => {
    expect(parseNumber('1.5')).toBe(1.5);
    expect(parseNumber(' -2e-3 ')).toBe(-0.002);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('5.')).toBe(5);
    expect(parseNumber('+7')).toBe(7);
    expect(parseNumber('NaN')).toBeNaN();
    expect(parseNumber('-Infinity')).toBe(-Infinity);
    expect(parseNumber('inf')).toBe(Infinity);
    expect(Object.is(parseNumber('-0'), -0)).toBe(true);
    for (const bad of ['', ' ', '0x10', '0b1', '1,5', '1e', 'abc', '1 2', '--1', 'Infinityx']) expect(parseNumber(bad), bad).toBeUndefined();
  });

  it('buildColumn reads nulls, bools and 64-bit integers exactly, and reports a bad cell by row', () => {
    const nulls = new Set(['', 'NA']);
    const ints = buildColumn('int64', ['9223372036854775807', 'NA', '-9223372036854775808', '+5'], nulls, () => {
      throw new Error('unexpected');
    });
    expect(ints.type).toBeInstanceOf(Int64);
    expect([0, 1, 2, 3].map((i) => vectorFromData(ints, i))).toEqual([2n ** 63n - 1n, null, -(2n ** 63n), 5n]);
    const bools = buildColumn('bool', ['true', 'FALSE', '1', '0', ''], nulls, () => {
      throw new Error('unexpected');
    });
    expect([0, 1, 2, 3, 4].map((i) => vectorFromData(bools, i))).toEqual([true, false, true, false, null]);
    expect(() =>
      buildColumn('int32', ['1', '2147483648'], nulls, (row, text) => {
        throw new Error(`row ${row}: ${text}`);
      }),
    ).toThrow('row 1: 2147483648');
    const strings = buildColumn('string', ['é', '', 'NA', ' NA', 'x'], nulls, () => {
      throw new Error('unexpected');
    });
    expect([0, 1, 2, 3, 4].map((i) => vectorFromData(strings, i))).toEqual(['é', null, null, ' NA', 'x']);
  });
});

/** Value `i` of a column built by buildColumn, read through Arrow's own getters. */
function vectorFromData(data: ReturnType<typeof buildColumn>, i: number): unknown {
  return makeVector(data).get(i);
}

describe('rebatch', () => {
  const random = seededRandom(5);
  const input: RecordBatch[] = [3, 5, 0, 1, 8, 2].map((n, b) =>
    batchOf({
      x: vectorFromArray(
        Array.from({ length: n }, () => (random() < 0.2 ? null : random())),
        new Float64(),
      ),
      s: vectorFromArray(
        Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `b${b}r${i}`)),
        new Utf8(),
      ),
      f: vectorFromArray(
        Array.from({ length: n }, (_, i) => i % 2 === 0),
        new Bool(),
      ),
    }),
  );

  it('gives batches of exactly batchRows rows (last shorter) with the same values in order', async () => {
    for (const size of [1, 2, 4, 7, 19, 100]) {
      const out = await collect(rebatch(fromArray(input), size));
      const sizes = out.map((b) => b.numRows);
      expect(sizes.slice(0, -1).every((n) => n === size)).toBe(true);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(19);
      for (const name of ['x', 's', 'f']) expect(values(out, name)).toEqual(values(input, name));
    }
  });

  it('passes a zero-row stream through as one zero-row batch, and nothing through as nothing', async () => {
    const empty = input[2];
    expect((await collect(rebatch(fromArray([empty, empty]), 4))).map((b) => b.numRows)).toEqual([0]);
    expect(await collect(rebatch(fromArray([]), 4))).toEqual([]);
  });

  it('concatBatches keeps nulls and 64-bit integers', () => {
    const a = batchOf({ n: vectorFromArray([1n, null], new Int64()) });
    const b = batchOf({ n: vectorFromArray([2n ** 60n], new Int64()) });
    expect(values([concatBatches([a, b])], 'n')).toEqual([1n, null, 2n ** 60n]);
  });
});

describe('atomic file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(async () => cleanup());

  it('appears at its path only on commit, under a temp name in the same folder until then', async () => {
    const target = path.join(dir, 'a.txt');
    const file = await createAtomicFile(target, 'test');
    expect(path.dirname(file.tempPath)).toBe(dir);
    expect(path.basename(file.tempPath)).toMatch(/^a\.txt\.tmp-\d+-[0-9a-f]{8}$/);
    await file.write('hello ');
    await file.write(new TextEncoder().encode('world'));
    expect(await readdir(dir)).toEqual([path.basename(file.tempPath)]);
    await file.commit();
    expect(await readFile(target, 'utf8')).toBe('hello world');
    expect(await readdir(dir)).toEqual(['a.txt']);
    await expect(file.write('more')).rejects.toBeInstanceOf(ConnectorError);
  });

  it('writeAtomically removes the temp file when the body throws and when closers run', async () => {
    const target = path.join(dir, 'b.txt');
    await writeFile(target, 'keep');
    const err = await rejection(
      writeAtomically(target, 'test', async (file) => {
        await file.write('partial');
        throw new Error('body failed');
      }),
    );
    expect(err.message).toBe('body failed');
    expect(await readFile(target, 'utf8')).toBe('keep');

    const closers = new Closers();
    const writing = writeAtomically(
      target,
      'test',
      async (file) => {
        await file.write('x');
        await closers.closeAll(); // close() of the connector, while the body still runs
        await file.write('y');
      },
      closers,
    );
    await expect(writing).rejects.toBeInstanceOf(ConnectorError);
    expect((await readdir(dir)).sort()).toEqual(['a.txt', 'b.txt']);
    expect(await readFile(target, 'utf8')).toBe('keep');
  });

  it('writeAllAtomically writes every file or none: one that cannot be created leaves the others as they were', async () => {
    const first = path.join(dir, 'all-1.txt');
    const second = path.join(dir, 'all-2.txt');
    await writeFile(first, 'old');
    await writeAllAtomically([{ path: first, data: 'new 1' }, { path: second, data: new TextEncoder().encode('new 2') }], 'test');
    expect([await readFile(first, 'utf8'), await readFile(second, 'utf8')]).toEqual(['new 1', 'new 2']);

    const blocked = path.join(dir, 'all-1.txt', 'inside.txt');
    const err = await rejection(writeAllAtomically([{ path: first, data: 'newer' }, { path: blocked, data: 'x' }], 'test'));
    expect(err).toMatchObject({ connector: 'test', path: blocked });
    expect(await readFile(first, 'utf8')).toBe('new 1');
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('creates missing folders, and a file in the way of a folder is a ConnectorError naming the connector and path', async () => {
    const nested = path.join(dir, 'new-dir', 'deeper', 'c.txt');
    const file = await createAtomicFile(nested, 'csv-sink');
    await file.write('ok');
    await file.commit();
    expect(await readFile(nested, 'utf8')).toBe('ok');

    const target = path.join(dir, 'a.txt', 'c.txt');
    const err = await rejection(createAtomicFile(target, 'csv-sink'));
    expect(err).toMatchObject({ connector: 'csv-sink', path: target });
    expect(['ENOTDIR', 'EEXIST']).toContain((err.cause as NodeJS.ErrnoException).code);
  });
});
