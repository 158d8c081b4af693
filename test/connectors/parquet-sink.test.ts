import { openAsBlob } from 'node:fs';
import path from 'node:path';
import { makeVector } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
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
