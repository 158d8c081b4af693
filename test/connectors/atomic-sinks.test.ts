import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Utf8, makeVector, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { csvSink } from '../../src/connectors/csv-sink.js';
import { ipcSink } from '../../src/connectors/ipc-sink.js';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { DataError } from '../../src/errors.js';
import { seededRandom } from '../../src/models/random.js';
import type { Sink, StageDefinition } from '../../src/contract/stage.js';
import { testContext } from '../helpers/context.js';
import { batchOf, openFdsUnder, rejection, tempDir, writeAll } from './helpers.js';

function batches(seed: number, count: number, rows: number): RecordBatch[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, b) => {
    const x = Float64Array.from({ length: rows }, () => random());
    const id = vectorFromArray(Array.from({ length: rows }, (_, i) => `b${b}-r${i}`), new Utf8());
    return batchOf({ id, x: makeVector(x) });
  });
}

/** Yields `good`, then throws: an upstream stage failing midway. */
async function* failingAfter(good: RecordBatch[]): AsyncGenerator<RecordBatch> {
  yield* good;
  throw new Error('upstream failed');
}

const SINKS: [string, StageDefinition<'sink'>, Record<string, unknown>][] = [
  ['csv-sink', csvSink, {}],
  ['ipc-sink (file)', ipcSink, { format: 'file' }],
  ['ipc-sink (stream)', ipcSink, { format: 'stream' }],
  ['parquet-sink', parquetSink, { rowGroupRows: 50 }],
];

describe.each(SINKS)('%s writes atomically', (_label, def, extra) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let target: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    target = path.join(dir, 'out.data');
  });
  afterEach(async () => cleanup());

  it('an input that throws midway leaves no file at path and no temp file', async () => {
    const err = await rejection(writeAll(def, { path: target, ...extra }, failingAfter(batches(1, 3, 100))));
    expect(err.message).toBe('upstream failed');
    expect(await readdir(dir)).toEqual([]);
    expect(openFdsUnder(dir)).toBe(0);
  });

  it('an input that throws midway leaves an existing file at path untouched', async () => {
    await writeFile(target, 'precious');
    await rejection(writeAll(def, { path: target, ...extra }, failingAfter(batches(2, 3, 100))));
    expect(await readFile(target, 'utf8')).toBe('precious');
    expect(await readdir(dir)).toEqual(['out.data']);
  });

  it('an abort of ctx.signal stops the write and leaves nothing behind', async () => {
    const controller = new AbortController();
    const input = batches(3, 5, 100);
    async function* abortingAfterTwo(): AsyncGenerator<RecordBatch> {
      yield input[0];
      yield input[1];
      controller.abort(new Error('run cancelled'));
      yield* input.slice(2);
    }
    const err = await rejection(writeAll(def, { path: target, ...extra }, abortingAfterTwo(), testContext({ signal: controller.signal })));
    expect(err.message).toBe('run cancelled');
    expect(await readdir(dir)).toEqual([]);
    expect(openFdsUnder(dir)).toBe(0);
  });

  it('close() during a write removes the temp file and fails the write', async () => {
    const sink = def.create(def.params.parse({ path: target, ...extra }), testContext()) as Sink;
    const input = batches(4, 3, 100);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* stalled(): AsyncGenerator<RecordBatch> {
      yield input[0];
      await gate;
      yield input[1];
    }
    const writing = sink.write(stalled());
    // Observe the outcome at once: under load the write can fail (closed mid-flush) before the assertion below.
    const outcome = writing.then(
      () => new Error('the write succeeded'),
      (error: unknown) => error,
    );
    // Wait for the temp file (not a fixed delay: a loaded machine may take longer than any guess to open it).
    await vi.waitFor(async () => expect((await readdir(dir)).some((f) => f.startsWith('out.data.tmp-'))).toBe(true), { timeout: 10_000, interval: 10 });
    await sink.close();
    expect(await readdir(dir)).toEqual([]);
    expect(openFdsUnder(dir)).toBe(0);
    release();
    expect(String(await outcome)).toMatch(/closed while writing|already discarded/);
    await sink.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a successful write replaces an existing file and reports rows, batches and target', async () => {
    await writeFile(target, 'old');
    const summary = await writeAll(def, { path: target, ...extra }, batches(5, 3, 100));
    expect(summary).toEqual({ rows: 300, batches: 3, target });
    expect(await readFile(target, 'utf8')).not.toBe('old');
    expect(await readdir(dir)).toEqual(['out.data']);
    expect(openFdsUnder(dir)).toBe(0);
  });
});

describe.each(SINKS.filter(([label]) => label !== 'csv-sink'))('%s checks the schema of every batch', (_label, def, extra) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('a later batch with a different column type is a DataError naming the column, and no file is left', async () => {
    const [first] = batches(6, 1, 10);
    const other = batchOf({ id: vectorFromArray(['a'], new Utf8()), x: vectorFromArray(['not a number'], new Utf8()) });
    const target = path.join(dir, 'typed.data');
    const err = await rejection(writeAll(def, { path: target, ...extra }, [first, other]));
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ column: 'x', batch: 1, expected: 'Float64', received: 'Utf8' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('a later batch missing a column is a DataError naming it', async () => {
    const [first] = batches(7, 1, 10);
    const other = batchOf({ id: vectorFromArray(['a'], new Utf8()) });
    const err = await rejection(writeAll(def, { path: path.join(dir, 'cols.data'), ...extra }, [first, other]));
    expect(err).toMatchObject({ column: 'x', batch: 1 });
    expect(err.message).toContain('"x" is missing');
  });
});
