import { createWriteStream, openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import * as pw from 'parquet-wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSource } from '../../src/connectors/csv-source.js';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import { seededRandom } from '../../src/models/random.js';
import type { Source } from '../../src/contract/stage.js';
import { testContext } from '../helpers/context.js';
import { tempDir, writeAll } from './helpers.js';

const ROWS = 200_000;

/** Writes a ROWS-row CSV (id, four floats, a category) with a fixed seed, in chunks. */
async function writeBigCsv(file: string): Promise<void> {
  const random = seededRandom(2024);
  const out = createWriteStream(file);
  out.write('id,a,b,c,d,category\n');
  const categories = ['alpha', 'beta', 'gamma, with comma', 'delta'];
  for (let start = 0; start < ROWS; start += 10_000) {
    let chunk = '';
    for (let i = start; i < start + 10_000; i++) {
      chunk += `r${i},${random()},${random() * 100},${-random()},${Math.floor(random() * 1000)},${i % 4 === 2 ? `"${categories[2]}"` : categories[i % 4]}\n`;
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

describe('big-ish file streaming', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let file: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    file = path.join(dir, 'big.csv');
    await writeBigCsv(file);
  });
  afterAll(async () => cleanup());

  it('a 200k-row CSV streams in batchRows batches, the first one long before the file is read', async () => {
    const source = csvSource.create(csvSource.params.parse({ path: file }), testContext()) as Source;
    const started = performance.now();
    let firstBatchMs = 0;
    const sizes: number[] = [];
    let lastId = '';
    for await (const batch of source.batches()) {
      if (sizes.length === 0) firstBatchMs = performance.now() - started;
      sizes.push(batch.numRows);
      lastId = batch.getChild('id')!.get(batch.numRows - 1) as string;
    }
    await source.close();
    const ms = performance.now() - started;
    const bytes = (await stat(file)).size;
    console.log(
      `csv-source: ${ROWS} rows (${(bytes / 1e6).toFixed(1)} MB) in ${ms.toFixed(0)} ms = ${Math.round(ROWS / (ms / 1000))} rows/s; first batch after ${firstBatchMs.toFixed(0)} ms`,
    );
    expect(sizes.length).toBe(Math.ceil(ROWS / 8192));
    expect(Math.max(...sizes)).toBe(8192);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(ROWS);
    expect(lastId).toBe(`r${ROWS - 1}`);
    // Streaming, not load-then-split: the first batch comes after a small share of the total time.
    expect(firstBatchMs).toBeLessThan(ms / 3);
  });

  it('CSV -> Parquet -> batches streams end to end with row groups of rowGroupRows', async () => {
    const source = csvSource.create(csvSource.params.parse({ path: file }), testContext()) as Source;
    const target = path.join(dir, 'big.parquet');
    const started = performance.now();
    const summary = await writeAll(parquetSink, { path: target, rowGroupRows: 50_000 }, source.batches());
    await source.close();
    const writeMs = performance.now() - started;
    expect(summary.rows).toBe(ROWS);

    const readStarted = performance.now();
    let rows = 0;
    let batches = 0;
    const reader = parquetSource.create(parquetSource.params.parse({ path: target }), testContext()) as Source;
    for await (const batch of reader.batches()) {
      rows += batch.numRows;
      batches++;
    }
    await reader.close();
    const readMs = performance.now() - readStarted;
    console.log(
      `csv->parquet: ${Math.round(ROWS / (writeMs / 1000))} rows/s (${((await stat(target)).size / 1e6).toFixed(1)} MB); parquet-source: ${Math.round(ROWS / (readMs / 1000))} rows/s`,
    );
    expect(rows).toBe(ROWS);
    expect(batches).toBe(Math.ceil(ROWS / 8192)); // re-sliced across the 4 row groups
    // The file itself, from its footer: exactly ROWS / rowGroupRows row groups of rowGroupRows rows each.
    const meta = (await pw.ParquetFile.fromFile(await openAsBlob(target))).metadata();
    expect(meta.fileMetadata().numRows()).toBe(ROWS);
    expect(Array.from({ length: meta.numRowGroups() }, (_, i) => meta.rowGroup(i).numRows())).toEqual([50_000, 50_000, 50_000, 50_000]);
  });
});
