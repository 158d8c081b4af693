import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeVector } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import type { Source } from '../../src/contract/stage.js';
import { collect, testContext } from '../helpers/context.js';
import { batchOf, readAll, rejection, tempDir, values, writeAll } from './helpers.js';

/**
 * parquet-source on inputs other than a sound regular file: a pipe (read whole), a folder, files of the
 * smallest sizes, a cancelled run and a source closed before it is read.
 */

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

const at = (name: string) => path.join(dir, name);
const xs = (...v: number[]) => batchOf({ x: makeVector(Float64Array.from(v)) });

describe('parquet-source inputs', () => {
  it('a source closed before it is read yields nothing', async () => {
    await writeAll(parquetSink, { path: at('closed.parquet') }, [xs(1, 2)]);
    const source = parquetSource.create(parquetSource.params.parse({ path: at('closed.parquet') }), testContext()) as Source;
    await source.close();
    expect(await collect(source.batches())).toEqual([]);
  });

  it('a folder is refused at open as not a regular file', async () => {
    await mkdir(at('folder'));
    const err = await rejection(readAll(parquetSource, { path: at('folder') }));
    expect(err.message).toBe(`parquet-source: cannot open ${at('folder')}: EISDIR: not a regular file, open '${at('folder')}'; the path is a folder; give a file path`);
  });

  it('a pipe is read whole into memory, then like a file', async () => {
    await writeAll(parquetSink, { path: at('piped.parquet'), rowGroupRows: 2 }, [xs(1, 2, 3), xs(4, 5)]);
    const file = at('data.fifo');
    execFileSync('mkfifo', [file]);
    const written = writeFile(file, await readFile(at('piped.parquet')));
    const batches = await readAll(parquetSource, { path: file, batchRows: 4 });
    await written;
    expect(batches.map((b) => b.numRows)).toEqual([4, 1]);
    expect(values(batches, 'x')).toEqual([1, 2, 3, 4, 5]);
  });

  it('12 bytes with PAR1 at both ends are not truncated but a damaged footer; shorter is truncated', async () => {
    const twelve = at('twelve.parquet');
    await writeFile(twelve, 'PAR1\0\0\0\0PAR1');
    const err = await rejection(readAll(parquetSource, { path: twelve }));
    expect(err.message).toContain('parquet-source: not a readable Parquet file (its footer metadata is damaged): ');
    expect(err).not.toMatchObject({ code: 'E_TRUNCATED' });
    const eleven = at('eleven.parquet');
    await writeFile(eleven, 'PAR1\0\0\0PAR1');
    expect(await rejection(readAll(parquetSource, { path: eleven }))).toMatchObject({ code: 'E_TRUNCATED', expected: 'PAR1 at the end of the file', received: 'bytes 0x00000000' });
  });

  it('a cancelled run rejects with the abort reason, not as damaged data', async () => {
    await writeAll(parquetSink, { path: at('abort.parquet') }, [xs(1, 2, 3)]);
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(readAll(parquetSource, { path: at('abort.parquet') }, testContext({ signal: controller.signal }))).rejects.toBe(reason);
  });
});
