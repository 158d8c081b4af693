import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Float64, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSink } from '../../src/connectors/csv-sink.js';
import { csvSource } from '../../src/connectors/csv-source.js';
import { ipcSink } from '../../src/connectors/ipc-sink.js';
import { ipcSource } from '../../src/connectors/ipc-source.js';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import { formatFloat32, formatFloat64 } from '../../src/io/csv-types.js';
import { seededRandom } from '../../src/models/random.js';
import { batchOf, readAll, tempDir, typesOf, values, writeAll } from './helpers.js';

const ROWS = 600;
const COLUMNS = { f32: 'float32', i32: 'int32', i64: 'int64', flag: 'bool', text: 'string', id: 'string' } as const;
const EXPECTED_TYPES = ['id: Utf8', 'x: Float64', 'f32: Float32', 'i32: Int32', 'i64: Int64', 'flag: Bool', 'text: Utf8'];

/** Seeded columns with the awkward values each type has, and nulls in every column but `id`. */
function generate(seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const nullAt = (i: number, every: number) => i % every === every - 1;
  const specials64 = [Number.NaN, Infinity, -Infinity, -0, 0, 5e-324, Number.MAX_VALUE, 0.1, 1e21, 123456789012345680000, -1.5e-300];
  const specials32 = [Number.NaN, Infinity, -Infinity, -0, Math.fround(0.1), Math.fround(3.4028234663852886e38), Math.fround(1.401298464324817e-45)];
  const texts = ['plain', 'with, comma', 'with "quotes"', 'multi\nline', 'crlf\r\nline', 'cr\ronly', '  padded  ', 'ünïcødé ✓', '"', ',', 'x,"y"\nz'];
  const id: string[] = [];
  const x: (number | null)[] = [];
  const f32: (number | null)[] = [];
  const i32: (number | null)[] = [];
  const i64: (bigint | null)[] = [];
  const flag: (boolean | null)[] = [];
  const text: (string | null)[] = [];
  for (let i = 0; i < ROWS; i++) {
    id.push(`row-${String(i).padStart(4, '0')}`);
    x.push(nullAt(i, 37) ? null : i < specials64.length ? specials64[i] : (random() * 2 - 1) * 10 ** Math.floor(random() * 40 - 20));
    f32.push(nullAt(i, 31) ? null : i < specials32.length ? specials32[i] : Math.fround((random() * 2 - 1) * 10 ** Math.floor(random() * 20 - 10)));
    i32.push(nullAt(i, 29) ? null : i === 1 ? -2147483648 : i === 2 ? 2147483647 : Math.floor(random() * 4294967296) - 2147483648);
    i64.push(
      nullAt(i, 23)
        ? null
        : i === 1
          ? -(2n ** 63n)
          : i === 2
            ? 2n ** 63n - 1n
            : i === 3
              ? 2n ** 53n + 1n
              : BigInt(Math.floor(random() * 2 ** 52)) * BigInt(Math.floor(random() * 2048)) - 2n ** 62n,
    );
    flag.push(nullAt(i, 19) ? null : random() < 0.5);
    text.push(nullAt(i, 17) ? null : pick(texts));
  }
  return { id, x, f32, i32, i64, flag, text };
}

type Data = ReturnType<typeof generate>;

/** The CSV a user would hand us for `data`: floats in shortest round-trip form, nulls as empty fields. */
function csvText(data: Data): string {
  const cell = (v: unknown, format: (v: never) => string = String) => (v === null ? '' : format(v as never));
  const records = data.id.map((id, i) => [
    id,
    cell(data.x[i], formatFloat64),
    cell(data.f32[i], formatFloat32),
    cell(data.i32[i]),
    cell(data.i64[i]),
    cell(data.flag[i]),
    cell(data.text[i]),
  ]);
  // Quote a lone CR too, as csv-sink does (csv-stringify would leave it bare, and readers split on it).
  return stringify([['id', 'x', 'f32', 'i32', 'i64', 'flag', 'text'], ...records], { quoted_match: /\r/ });
}

function expectSameData(batches: RecordBatch[], data: Data, stage: string): void {
  expect(typesOf(batches[0]), stage).toEqual(EXPECTED_TYPES);
  for (const b of batches) expect(typesOf(b), stage).toEqual(EXPECTED_TYPES);
  // toEqual compares primitives with Object.is: NaN equals NaN, -0 differs from 0, floats must match exactly.
  for (const name of Object.keys(data) as (keyof Data)[]) {
    expect(values(batches, name), `${stage}: column ${name}`).toEqual(data[name]);
  }
}

describe('file connectors round trip', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(async () => cleanup());

  it('CSV -> IPC file -> IPC stream -> Parquet -> CSV keeps values, types, nulls and row order', async () => {
    const data = generate(42);
    const input = path.join(dir, 'in.csv');
    await writeFile(input, csvText(data));

    const fromCsv = await readAll(csvSource, { path: input, columns: COLUMNS, batchRows: 64 });
    expectSameData(fromCsv, data, 'csv-source');

    await writeAll(ipcSink, { path: path.join(dir, 'a.arrow') }, fromCsv);
    const fromFile = await readAll(ipcSource, { path: path.join(dir, 'a.arrow'), format: 'file' });
    expectSameData(fromFile, data, 'ipc file');

    await writeAll(ipcSink, { path: path.join(dir, 'a.arrows'), format: 'stream' }, fromFile);
    const fromStream = await readAll(ipcSource, { path: path.join(dir, 'a.arrows') });
    expectSameData(fromStream, data, 'ipc stream');

    await writeAll(parquetSink, { path: path.join(dir, 'a.parquet'), rowGroupRows: 100 }, fromStream);
    const fromParquet = await readAll(parquetSource, { path: path.join(dir, 'a.parquet'), batchRows: 64 });
    expectSameData(fromParquet, data, 'parquet');

    const summary = await writeAll(csvSink, { path: path.join(dir, 'out.csv') }, fromParquet);
    expect(summary).toEqual({ rows: ROWS, batches: fromParquet.length, target: path.join(dir, 'out.csv') });
    const fromOut = await readAll(csvSource, { path: path.join(dir, 'out.csv'), columns: COLUMNS, batchRows: 64 });
    expectSameData(fromOut, data, 'csv again');

    // The writer is deterministic and the reader lossless, so the text is the same whichever hop wrote it.
    await writeAll(csvSink, { path: path.join(dir, 'direct.csv') }, fromCsv);
    expect(await readFile(path.join(dir, 'out.csv'), 'utf8')).toBe(await readFile(path.join(dir, 'direct.csv'), 'utf8'));
  });

  it('csv-sink writes float32 values in their shortest round-trip form', async () => {
    const data = generate(7);
    const input = path.join(dir, 'f32.csv');
    await writeFile(input, csvText(data));
    const batches = await readAll(csvSource, { path: input, columns: COLUMNS });
    await writeAll(csvSink, { path: path.join(dir, 'f32-out.csv'), columns: ['f32'] }, batches);
    const lines = (await readFile(path.join(dir, 'f32-out.csv'), 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('f32');
    expect(lines[5]).toBe('0.1'); // not 0.10000000149011612, the float64 widening
    for (let i = 0; i < ROWS; i++) {
      const v = data.f32[i];
      const text = lines[i + 1];
      if (v === null) expect(text).toBe('');
      else {
        expect(Object.is(Math.fround(Number(text)), v), `row ${i}: ${text}`).toBe(true);
        expect(text.replace(/^-|e.*$|\./g, '').replace(/^0+/, '').length, text).toBeLessThanOrEqual(9);
      }
    }
  });

  it('a one-column CSV keeps its nulls (written as blank lines), while blank lines between records elsewhere are skipped', async () => {
    const single = [batchOf({ v: vectorFromArray([1, null, 2, null], new Float64()) })];
    await writeAll(csvSink, { path: path.join(dir, 'single.csv') }, single);
    expect(await readFile(path.join(dir, 'single.csv'), 'utf8')).toBe('v\n1\n\n2\n\n');
    expect(values(await readAll(csvSource, { path: path.join(dir, 'single.csv') }), 'v')).toEqual([1, null, 2, null]);
    await writeFile(path.join(dir, 'blank.csv'), 'a,b\n\n1,2\n\n\n3,4\n\n');
    expect(values(await readAll(csvSource, { path: path.join(dir, 'blank.csv') }), 'b')).toEqual([2, 4]);
  });

  it('the CSV id string column passes through every format unchanged', async () => {
    const ids = ['007', 'a,b', 'x"y', ' lead', 'trail ', 'é'];
    const input = path.join(dir, 'ids.csv');
    await writeFile(input, stringify([['id', 'v'], ...ids.map((id, i) => [id, String(i)])]));
    let batches = await readAll(csvSource, { path: input, columns: { id: 'string' } });
    await writeAll(ipcSink, { path: path.join(dir, 'ids.arrow') }, batches);
    batches = await readAll(ipcSource, { path: path.join(dir, 'ids.arrow') });
    await writeAll(parquetSink, { path: path.join(dir, 'ids.parquet') }, batches);
    batches = await readAll(parquetSource, { path: path.join(dir, 'ids.parquet') });
    await writeAll(csvSink, { path: path.join(dir, 'ids-out.csv') }, batches);
    batches = await readAll(csvSource, { path: path.join(dir, 'ids-out.csv'), columns: { id: 'string' } });
    expect(values(batches, 'id')).toEqual(ids);
    expect(values(batches, 'v')).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
