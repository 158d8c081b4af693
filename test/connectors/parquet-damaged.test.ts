import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeVector } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import { DataError } from '../../src/errors.js';
import { batchOf, readAll, rejection, tempDir, values, writeAll } from './helpers.js';

/**
 * parquet-source on files whose footer is sound but whose data pages are not. parquet-wasm 0.8 panics on a
 * damaged zstd page with a wasm trap raised outside the promise it returned: in the pipeline's thread that
 * was an uncaught exception and a read that never settled (the run hung). Decoding in a worker thread turns
 * it into a DataError and leaves the process able to read the next file.
 */

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());
const at = (name: string) => path.join(dir, name);

const ROWS = 5000;
const x = Float64Array.from({ length: ROWS }, (_, i) => Math.sin(i));

/** A two-row-group zstd file, then a copy whose first data page (just after the leading PAR1) is zeroed. */
async function damagedCopy(): Promise<{ good: string; bad: string }> {
  const good = at('good.parquet');
  await writeAll(parquetSink, { path: good, rowGroupRows: ROWS / 2 }, [batchOf({ x: makeVector(x) })]);
  const bytes = await readFile(good);
  bytes.fill(0, 4, 68);
  const bad = at('bad.parquet');
  await writeFile(bad, bytes);
  return { good, bad };
}

describe('parquet-source on damaged data pages', () => {
  it('a zstd page that crashes the decoder is a DataError naming the file and row group, and the next read works', async () => {
    const { good, bad } = await damagedCopy();
    const err = await rejection(readAll(parquetSource, { path: bad }));
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ code: 'E_DATA', file: bad });
    expect(err.message).toContain('parquet-source: cannot read the Parquet data in row group 0 of 2, the file is damaged: the decoder crashed: RuntimeError: unreachable');
    // The crashed decoder was a thread of its own: this process's next read decodes every value.
    expect(values(await readAll(parquetSource, { path: good }), 'x')).toEqual(Array.from(x));
  });

  it('the same damaged bytes through a pipe fail the same way', async () => {
    const { bad } = await damagedCopy();
    const { execFileSync } = await import('node:child_process');
    const fifo = at('bad.fifo');
    execFileSync('mkfifo', [fifo]);
    const written = writeFile(fifo, await readFile(bad));
    const err = await rejection(readAll(parquetSource, { path: fifo }));
    await written;
    expect(err.message).toContain('in row group 0 of 2, the file is damaged: the decoder crashed');
  });

  it('a decoder that gives no answer within decodeTimeoutMs is stopped with E_TIMEOUT naming the limit', async () => {
    const { good } = await damagedCopy();
    // 1 ms is shorter than a thread takes to start, so the footer read is the part that stalls.
    const err = await rejection(readAll(parquetSource, { path: good, decodeTimeoutMs: 1 }));
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ code: 'E_TIMEOUT', file: good });
    expect(err.message).toContain('parquet-source: decoding the footer gave no result in 1 ms (decodeTimeoutMs), so it was stopped');
  });
});
