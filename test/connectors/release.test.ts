import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeVector } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSource } from '../../src/connectors/csv-source.js';
import { ipcSink } from '../../src/connectors/ipc-sink.js';
import { ipcSource } from '../../src/connectors/ipc-source.js';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import type { Source } from '../../src/contract/stage.js';
import { testContext } from '../helpers/context.js';
import { batchOf, openFdsTo, tempDir, writeAll } from './helpers.js';

const ROWS = 5000;

describe('sources release their file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const files: Record<string, string> = {};
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    const batches = [0, 1, 2, 3, 4].map((b) => batchOf({ x: makeVector(Float64Array.from({ length: ROWS / 5 }, (_, i) => b * 1000 + i)) }));
    files.csv = path.join(dir, 'in.csv');
    await writeFile(files.csv, `x\n${Array.from({ length: ROWS }, (_, i) => i).join('\n')}\n`);
    files.arrow = path.join(dir, 'in.arrow');
    await writeAll(ipcSink, { path: files.arrow }, batches);
    files.arrows = path.join(dir, 'in.arrows');
    await writeAll(ipcSink, { path: files.arrows, format: 'stream' }, batches);
    files.parquet = path.join(dir, 'in.parquet');
    await writeAll(parquetSink, { path: files.parquet, rowGroupRows: 1000 }, batches);
  });
  afterAll(async () => cleanup());

  const cases = [
    ['csv-source', csvSource, 'csv'],
    ['ipc-source (file)', ipcSource, 'arrow'],
    ['ipc-source (stream)', ipcSource, 'arrows'],
    ['parquet-source', parquetSource, 'parquet'],
  ] as const;

  for (const [label, def, key] of cases) {
    it(`${label}: an early break closes the file, and close() may be called twice`, async () => {
      const file = files[key];
      const source = def.create(def.params.parse({ path: file, batchRows: 500 }) as never, testContext()) as Source;
      let seen = 0;
      for await (const batch of source.batches()) {
        seen += batch.numRows;
        // While iterating, the file is open (parquet reads through a Blob that opens it per read instead).
        if (key !== 'parquet') expect(openFdsTo(file)).toBe(1);
        break;
      }
      expect(seen).toBe(500);
      expect(openFdsTo(file)).toBe(0);
      await source.close();
      await expect(source.close()).resolves.toBeUndefined();
    });

    it(`${label}: close() while an iterator is suspended releases the file and ends the iterator`, async () => {
      const file = files[key];
      const source = def.create(def.params.parse({ path: file, batchRows: 500 }) as never, testContext()) as Source;
      const it = source.batches()[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
      await source.close();
      expect(openFdsTo(file)).toBe(0);
      expect((await it.next()).done).toBe(true);
      expect(openFdsTo(file)).toBe(0);
      await source.close();
    });

    it(`${label}: an abort of ctx.signal stops the iteration with the abort reason and closes the file`, async () => {
      const file = files[key];
      const controller = new AbortController();
      const source = def.create(def.params.parse({ path: file, batchRows: 500 }) as never, testContext({ signal: controller.signal })) as Source;
      let batches = 0;
      const run = (async () => {
        for await (const _ of source.batches()) {
          if (++batches === 2) controller.abort(new Error('run cancelled'));
        }
      })();
      await expect(run).rejects.toThrow('run cancelled');
      expect(batches).toBe(2);
      expect(openFdsTo(file)).toBe(0);
      await source.close();
    });
  }
});
