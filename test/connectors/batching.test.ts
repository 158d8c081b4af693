import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Float64, Int32, Schema, Field, Utf8, makeVector, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSink } from '../../src/connectors/csv-sink.js';
import { csvSource } from '../../src/connectors/csv-source.js';
import { ipcSink } from '../../src/connectors/ipc-sink.js';
import { ipcSource } from '../../src/connectors/ipc-source.js';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import { emptyBatch } from '../../src/io/batch.js';
import { seededRandom } from '../../src/models/random.js';
import { batchOf, readAll, tempDir, typesOf, values, writeAll } from './helpers.js';

const ROWS = 1000;

/** `count` batches of `rows` rows: x float64 with some nulls, n int32, s strings. */
function input(seed: number, count: number, rows: number): RecordBatch[] {
  const random = seededRandom(seed);
  let at = 0;
  return Array.from({ length: count }, () => {
    const x = Array.from({ length: rows }, () => (random() < 0.1 ? null : random()));
    const n = Int32Array.from({ length: rows }, () => at++);
    const s = Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : `s${Math.floor(random() * 100)}`));
    return batchOf({ x: vectorFromArray(x, new Float64()), n: makeVector(n), s: vectorFromArray(s, new Utf8()) });
  });
}

describe('batchRows', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const stored = input(3, ROWS / 100, 100); // ten stored batches of 100 rows
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeAll(csvSink, { path: path.join(dir, 'in.csv') }, stored);
    await writeAll(ipcSink, { path: path.join(dir, 'in.arrow') }, stored);
    await writeAll(ipcSink, { path: path.join(dir, 'in.arrows'), format: 'stream' }, stored);
    await writeAll(parquetSink, { path: path.join(dir, 'in.parquet'), rowGroupRows: 100 }, stored);
  });
  afterAll(async () => cleanup());

  const cases: [string, typeof csvSource | typeof ipcSource | typeof parquetSource, string, Record<string, unknown>][] = [
    ['csv-source', csvSource, 'in.csv', { columns: { n: 'int32', s: 'string' } }],
    ['ipc-source (file)', ipcSource, 'in.arrow', {}],
    ['ipc-source (stream)', ipcSource, 'in.arrows', {}],
    ['parquet-source', parquetSource, 'in.parquet', {}],
  ];
  for (const [label, def, file, extra] of cases) {
    it(`${label} yields batches of exactly batchRows rows (the last one shorter), keeping rows and nulls`, async () => {
      const batches = await readAll(def as typeof csvSource, { path: path.join(dir, file), batchRows: 64, ...extra });
      const sizes = batches.map((b) => b.numRows);
      expect(sizes.slice(0, -1).every((n) => n === 64)).toBe(true);
      expect(sizes.at(-1)).toBe(ROWS % 64);
      expect(values(batches, 'n')).toEqual(values(stored, 'n'));
      expect(values(batches, 'x')).toEqual(values(stored, 'x'));
      expect(values(batches, 's')).toEqual(values(stored, 's'));
      expect(batches.map((b) => b.schema.metadata.get('latentflow.firstRow'))).toEqual(sizes.map((_, i) => String(i * 64)));
    });
  }

  it('ipc-source without batchRows keeps the stored batches', async () => {
    const batches = await readAll(ipcSource, { path: path.join(dir, 'in.arrow') });
    expect(batches.map((b) => b.numRows)).toEqual(stored.map((b) => b.numRows));
  });

  it('sources default to 8192-row batches (csv, parquet)', async () => {
    expect(csvSource.params.parse({ path: 'x' }).batchRows).toBe(8192);
    expect(parquetSource.params.parse({ path: 'x' }).batchRows).toBe(8192);
    expect(ipcSource.params.parse({ path: 'x' }).batchRows).toBeUndefined();
  });

  it('params reject unknown keys and non-positive batchRows', () => {
    expect(() => csvSource.params.parse({ path: 'x', batchSize: 10 })).toThrow();
    expect(() => ipcSource.params.parse({ path: 'x', batchRows: 0 })).toThrow();
    expect(() => parquetSink.params.parse({ path: 'x', compression: 'lz4' })).toThrow();
  });
});

describe('empty input', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(async () => cleanup());
  const schema = new Schema([new Field('x', new Float64(), true), new Field('n', new Int32(), true)]);
  const zeroRows = () => [emptyBatch(schema)];

  it('csv-sink writes only the header when the columns are known, and an empty file otherwise', async () => {
    expect(await writeAll(csvSink, { path: path.join(dir, 'h.csv') }, zeroRows())).toMatchObject({ rows: 0, batches: 0 });
    expect(await readFile(path.join(dir, 'h.csv'), 'utf8')).toBe('x,n\n');
    await writeAll(csvSink, { path: path.join(dir, 'c.csv'), columns: ['n'] }, []);
    expect(await readFile(path.join(dir, 'c.csv'), 'utf8')).toBe('n\n');
    await writeAll(csvSink, { path: path.join(dir, 'e.csv') }, []);
    expect((await stat(path.join(dir, 'e.csv'))).size).toBe(0);
  });

  it('csv-source yields one zero-row batch with the columns for a header-only file, nothing for an empty file', async () => {
    await writeFile(path.join(dir, 'header.csv'), 'x,n\n');
    const batches = await readAll(csvSource, { path: path.join(dir, 'header.csv'), columns: { n: 'int32' } });
    expect(batches.map((b) => b.numRows)).toEqual([0]);
    expect(typesOf(batches[0])).toEqual(['x: Float64', 'n: Int32']);
    await writeFile(path.join(dir, 'nothing.csv'), '');
    expect(await readAll(csvSource, { path: path.join(dir, 'nothing.csv') })).toEqual([]);
  });

  for (const [label, sink, source, extra] of [
    ['ipc file', ipcSink, ipcSource, { format: 'file' }],
    ['ipc stream', ipcSink, ipcSource, { format: 'stream' }],
    ['parquet', parquetSink, parquetSource, {}],
  ] as const) {
    it(`${label}: zero-row batches give a valid file with the columns; no batch gives a valid file with none`, async () => {
      const withColumns = path.join(dir, `cols-${label.replace(' ', '-')}`);
      expect(await writeAll(sink, { path: withColumns, ...extra }, zeroRows())).toMatchObject({ rows: 0, batches: 0 });
      const back = await readAll(source as typeof ipcSource, { path: withColumns });
      expect(back.map((b) => b.numRows)).toEqual([0]);
      expect(typesOf(back[0])).toEqual(['x: Float64', 'n: Int32']);

      const noColumns = path.join(dir, `none-${label.replace(' ', '-')}`);
      await writeAll(sink, { path: noColumns, ...extra }, []);
      const none = await readAll(source as typeof ipcSource, { path: noColumns });
      expect(none.reduce((n, b) => n + b.numRows, 0)).toBe(0);
      expect(none.flatMap((b) => b.schema.fields)).toEqual([]);
    });
  }
});
