import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeVector } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipcSink } from '../../src/connectors/ipc-sink.js';
import { ipcSource } from '../../src/connectors/ipc-source.js';
import type { Source } from '../../src/contract/stage.js';
import { collect, testContext } from '../helpers/context.js';
import { batchOf, readAll, rejection, tempDir, values, writeAll } from './helpers.js';

/**
 * ipc-source on inputs that are not regular IPC files: pipes, standard input, folders, missing, empty or
 * junk files, and a source closed before it is read. Complements file-connector-edges.test.ts.
 */

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

const at = (name: string) => path.join(dir, name);
const xs = (...v: number[]) => batchOf({ x: makeVector(Float64Array.from(v)) });

/** A FIFO at `name` that receives `bytes` once a reader opens it; the promise settles when the writer is done (or the reader left). */
function fifo(name: string, bytes: Uint8Array | string): { file: string; written: Promise<void> } {
  const file = at(name);
  execFileSync('mkfifo', [file]);
  return { file, written: writeFile(file, bytes).catch(() => undefined) };
}

describe('ipc-source inputs', () => {
  it('a source closed before it is read yields nothing', async () => {
    await writeAll(ipcSink, { path: at('closed.arrow') }, [xs(1, 2)]);
    const source = ipcSource.create(ipcSource.params.parse({ path: at('closed.arrow') }), testContext()) as Source;
    await source.close();
    expect(await collect(source.batches())).toEqual([]);
  });

  it('a missing file cannot be opened; a folder cannot be read', async () => {
    const missing = await rejection(readAll(ipcSource, { path: at('absent.arrow') }));
    expect(missing.message).toMatch(new RegExp(`^ipc-source: cannot open ${at('absent.arrow')}: ENOENT`));
    await mkdir(at('folder'));
    const folder = await rejection(readAll(ipcSource, { path: at('folder') }));
    expect(folder.message).toBe(`ipc-source: cannot read ${at('folder')}: EISDIR: illegal operation on a directory, read '${at('folder')}'; the path is a folder; give a file path`);
  });

  it('an empty file yields no batch', async () => {
    await writeFile(at('empty.arrows'), '');
    expect(await readAll(ipcSource, { path: at('empty.arrows') })).toEqual([]);
  });

  it('junk is "not a readable Arrow IPC stream" with the reader message as detail and cause', async () => {
    const junk = at('junk.bin');
    await writeFile(junk, 'hello, this is text. It is not Arrow.');
    const err = await rejection(readAll(ipcSource, { path: junk }));
    const cause = err.cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(err.message).toBe(`file ${junk}: ipc-source: not a readable Arrow IPC stream (no valid schema at its start): ${cause.message.replace(/\.$/, '')}`);
  });

  it('a file of exactly the magic, footer length and magic (18 bytes) is not truncated, just unreadable', async () => {
    const file = at('eighteen.arrow');
    await writeFile(file, 'ARROW1\0\0\0\0\0\0ARROW1');
    const err = await rejection(readAll(ipcSource, { path: file }));
    expect(err).not.toMatchObject({ code: 'E_TRUNCATED' });
    expect(err.message).toContain('ipc-source: not a readable Arrow IPC file (no valid schema at its start)');
  });

  it('format: file on standard input is refused before anything is read', async () => {
    const err = await rejection(readAll(ipcSource, { path: '-', format: 'file' }));
    expect(err.message).toBe('file -: ipc-source: format: file needs a regular file (it is read by offset); use format: stream for standard input');
    expect(err).toMatchObject({ file: '-' });
  });

  it('a pipe is read as a stream; format: file on a pipe is refused; junk from a pipe is named a stream', async () => {
    await writeAll(ipcSink, { path: at('two.arrows'), format: 'stream' }, [xs(1, 2), xs(3)]);
    const good = fifo('good.fifo', await readFile(at('two.arrows')));
    const batches = await readAll(ipcSource, { path: good.file });
    await good.written;
    expect(batches.map((b) => b.numRows)).toEqual([2, 1]);
    expect(values(batches, 'x')).toEqual([1, 2, 3]);

    const asFile = fifo('as-file.fifo', await readFile(at('two.arrows')));
    const err = await rejection(readAll(ipcSource, { path: asFile.file, format: 'file' }));
    await asFile.written;
    expect(err.message).toBe(`file ${asFile.file}: ipc-source: format: file needs a regular file (it is read by offset); use format: stream for pipes`);
    expect(err).toMatchObject({ file: asFile.file });

    const junk = fifo('junk.fifo', 'hello, this is text and not Arrow at all');
    const bad = await rejection(readAll(ipcSource, { path: junk.file }));
    await junk.written;
    expect(bad.message).toContain('ipc-source: not a readable Arrow IPC stream (no valid schema at its start)');
  });
});
