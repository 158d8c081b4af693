import { openAsBlob } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Float32, Float64, Int32, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import { seededRandom } from '../../src/models/random.js';
import { batchOf, readAll, tempDir, values, writeAll } from './helpers.js';

/** The footer of a Parquet file: row-group sizes and each column chunk's codec. */
async function footer(file: string) {
  const meta = (await pw.ParquetFile.fromFile(await openAsBlob(file))).metadata();
  const groups = Array.from({ length: meta.numRowGroups() }, (_, i) => meta.rowGroup(i));
  return { rowGroups: groups.map((g) => g.numRows()), codecs: new Set(groups.flatMap((g) => Array.from({ length: g.numColumns() }, (_, c) => g.column(c).compression()))) };
}

// What parquet-sink's own options do; atomic-sinks.test.ts, streaming.test.ts and round-trip.test.ts cover the rest.
describe('parquet-sink', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => cleanup());

  const x = Float64Array.from({ length: 250 }, (_, i) => i / 4);
  const input = [batchOf({ x: makeVector(x.subarray(0, 100)) }), batchOf({ x: makeVector(x.subarray(100)) })];

  it.each([
    ['zstd', pw.Compression.ZSTD],
    ['snappy', pw.Compression.SNAPPY],
    ['gzip', pw.Compression.GZIP],
    ['none', pw.Compression.UNCOMPRESSED],
  ] as const)('compression: %s is the codec of every column chunk, and the values read back exactly', async (compression, codec) => {
    const target = path.join(dir, `${compression}.parquet`);
    await writeAll(parquetSink, { path: target, compression }, input);
    expect((await footer(target)).codecs).toEqual(new Set([codec]));
    expect(values(await readAll(parquetSource, { path: target }), 'x')).toEqual(Array.from(x));
  });

  it('rowGroupRows cuts row groups of that many rows across input batch borders (the last one holds the rest)', async () => {
    const target = path.join(dir, 'groups.parquet');
    await writeAll(parquetSink, { path: target, rowGroupRows: 80 }, input);
    expect((await footer(target)).rowGroups).toEqual([80, 80, 80, 10]);
  });
});

/** Whether each column chunk of row group 0 of `file` uses a dictionary encoding, by column name. */
async function dictionaryEncoded(file: string): Promise<Record<string, boolean>> {
  const parquet = await pw.ParquetFile.fromFile(new Blob([await readFile(file)]));
  const meta = parquet.metadata();
  const group = meta.rowGroup(0);
  const names = ['f64', 'f32', 'i32', 'text'];
  const out: Record<string, boolean> = {};
  group.columns().forEach((column, i) => {
    const encodings = column.encodings();
    out[names[i]] = encodings.includes(pw.Encoding.RLE_DICTIONARY) || encodings.includes(pw.Encoding.PLAIN_DICTIONARY);
  });
  parquet.free();
  return out;
}

describe('parquet-sink encodings', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(async () => cleanup());

  it('writes float columns without a dictionary, keeps it for integers and strings, and the values read back unchanged', async () => {
    const random = seededRandom(7);
    const n = 2000;
    // Few distinct values in every column, so a dictionary would be chosen for any column it is enabled on.
    const f64 = Array.from({ length: n }, () => Math.round(random() * 10) / 4);
    const f32 = Array.from({ length: n }, () => Math.fround(Math.round(random() * 10) / 8));
    const i32 = Array.from({ length: n }, () => Math.floor(random() * 5));
    const text = Array.from({ length: n }, () => `k${Math.floor(random() * 5)}`);
    const batch = batchOf({
      f64: vectorFromArray(f64, new Float64()),
      f32: vectorFromArray(f32, new Float32()),
      i32: vectorFromArray(i32, new Int32()),
      text: vectorFromArray(text, new Utf8()),
    });
    const file = path.join(dir, 'enc.parquet');
    await writeAll(parquetSink, { path: file }, [batch]);
    expect(await dictionaryEncoded(file)).toEqual({ f64: false, f32: false, i32: true, text: true });
    const back = await readAll(parquetSource, { path: file });
    expect(values(back, 'f64')).toEqual(f64);
    expect(values(back, 'f32')).toEqual(f32);
    expect(values(back, 'i32')).toEqual(i32);
    expect(values(back, 'text')).toEqual(text);
  });
});
