import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Float32, Float64, Int32, Utf8, vectorFromArray } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import { seededRandom } from '../../src/models/random.js';
import { batchOf, readAll, tempDir, values, writeAll } from './helpers.js';

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
