import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectorError } from '../../src/errors.js';
import { createAtomicFile, writeAtomically } from '../../src/io/atomic-file.js';
import { Closers } from '../../src/io/closers.js';
import { openFdsTo, rejection, tempDir } from '../connectors/helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

/** The pid of a process that has exited (a temp name carrying it is a leftover of a killed run). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

describe('createAtomicFile, replacing a regular file', () => {
  it('keeps the old content until commit, then replaces it; the temp file is gone and its handle closed', async () => {
    const target = path.join(dir, 'replace.csv');
    await writeFile(target, 'old');
    const file = await createAtomicFile(target, 'csv-sink');
    expect(file).toMatchObject({ path: target, isDirect: false });
    expect(file.tempPath).not.toBe(target);
    // More than one write call's worth, to cover the loop over partial writes.
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    await file.write(big);
    await file.write('tail é');
    expect(await readFile(target, 'utf8')).toBe('old');
    await file.commit();
    const written = await readFile(target);
    expect(written.subarray(0, big.length).equals(Buffer.from(big))).toBe(true);
    expect(written.subarray(big.length).toString('utf8')).toBe('tail é');
    expect((await readdir(dir)).filter((n) => n.startsWith('replace.csv'))).toEqual(['replace.csv']);
    expect(openFdsTo(file.tempPath)).toBe(0);
    expect(openFdsTo(target)).toBe(0);
  });

  it('discard removes the temp file, closes it and leaves the final path as it was; again is a no-op', async () => {
    const target = path.join(dir, 'discard.csv');
    await writeFile(target, 'keep');
    const file = await createAtomicFile(target, 'csv-sink');
    await file.write('partial');
    expect(openFdsTo(file.tempPath)).toBe(1);
    await file.discard();
    await file.discard();
    expect(openFdsTo(file.tempPath)).toBe(0);
    expect((await readdir(dir)).filter((n) => n.startsWith('discard.csv'))).toEqual(['discard.csv']);
    expect(await readFile(target, 'utf8')).toBe('keep');
  });

  it('write and commit after discard or commit are ConnectorErrors saying which', async () => {
    const target = path.join(dir, 'states.csv');
    const discarded = await createAtomicFile(target, 'csv-sink');
    await discarded.discard();
    for (const call of [() => discarded.write('x'), () => discarded.commit()]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ connector: 'csv-sink', path: target });
      expect(err.message).toBe(`csv-sink: the temp file for ${target} was already discarded (the sink was closed while writing?)`);
    }
    const committed = await createAtomicFile(target, 'csv-sink');
    await committed.commit();
    expect(await readFile(target, 'utf8')).toBe('');
    await committed.discard(); // after commit: nothing to undo, the file stays
    expect(await readFile(target, 'utf8')).toBe('');
    for (const call of [() => committed.write('x'), () => committed.commit()]) {
      expect((await rejection(call())).message).toBe(`csv-sink: the temp file for ${target} was already committed (the sink was closed while writing?)`);
    }
  });

  it('a failed commit removes the temp file, is a ConnectorError with the cause, and leaves the file discarded', async () => {
    const target = path.join(dir, 'blocked');
    const file = await createAtomicFile(target, 'ipc-sink');
    await file.write('data');
    // A non-empty folder appears at the final path: the rename cannot replace it.
    await mkdir(target);
    await writeFile(path.join(target, 'inside'), 'x');
    const err = await rejection(file.commit());
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ connector: 'ipc-sink', path: target });
    expect(err.message).toMatch(new RegExp(`^ipc-sink: cannot finish writing ${target}: `));
    expect(['EISDIR', 'ENOTEMPTY', 'EEXIST']).toContain((err.cause as NodeJS.ErrnoException).code);
    expect((await readdir(dir)).filter((n) => n.startsWith('blocked'))).toEqual(['blocked']);
    expect(openFdsTo(file.tempPath)).toBe(0);
    expect((await rejection(file.write('x'))).message).toContain('was already discarded');
  });

  it('a temp file that cannot be created is a ConnectorError saying so', async () => {
    await writeFile(path.join(dir, 'plain'), 'x');
    const target = path.join(dir, 'plain', 'out.csv');
    const err = await rejection(createAtomicFile(target, 'csv-sink'));
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.message).toMatch(new RegExp(`^csv-sink: cannot create a temp file for ${target}: `));
  });

  it('removes leftovers of dead runs for the same name first, and nothing else', async () => {
    const sub = path.join(dir, 'stale');
    await mkdir(sub);
    const target = path.join(sub, 'out.csv');
    const dead = `out.csv.tmp-${deadPid()}-0a1b2c3d`;
    const live = `out.csv.tmp-${process.pid}-0a1b2c3d`;
    const other = `other.csv.tmp-${deadPid()}-0a1b2c3d`;
    for (const name of [dead, live, other]) await writeFile(path.join(sub, name), 'x');
    const file = await createAtomicFile(target, 'csv-sink');
    const names = await readdir(sub);
    expect(names).not.toContain(dead);
    expect(names).toEqual(expect.arrayContaining([live, other, path.basename(file.tempPath)]));
    await file.discard();
  });
});

// Special files are made in the test's own folder, never taken from /dev: under mutation testing (run as
// root) a mutant of the direct-write branch removes or renames over the file it was given, and /dev/null
// was once deleted that way.
describe('createAtomicFile, special files written in place', () => {
  it('a FIFO is opened in place (no temp file, no fsync, which a FIFO refuses) and gets the bytes; discard leaves the FIFO', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const received: Buffer[] = [];
    const reader = createReadStream(fifo);
    reader.on('data', (c) => received.push(c as Buffer));
    const ended = new Promise<void>((resolve) => reader.on('end', () => resolve()));
    const file = await createAtomicFile(fifo, 'csv-sink');
    expect(file).toMatchObject({ path: fifo, tempPath: fifo, isDirect: true });
    await file.write('a,b\n');
    await file.commit();
    await ended;
    expect(Buffer.concat(received).toString()).toBe('a,b\n');
    expect((await lstat(fifo)).isFIFO()).toBe(true);

    const reader2 = createReadStream(fifo);
    reader2.resume();
    const closed = new Promise<void>((resolve) => reader2.on('close', () => resolve()));
    const discarded = await createAtomicFile(fifo, 'csv-sink');
    await discarded.discard();
    await closed;
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect((await readdir(dir)).filter((n) => n.startsWith('pipe'))).toEqual(['pipe']);
  });

  it('a failed write to a FIFO is a ConnectorError naming the action and path, with the cause', async () => {
    const fifo = path.join(dir, 'broken-pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = createReadStream(fifo);
    const opened = new Promise<void>((resolve) => reader.on('open', () => resolve()));
    const file = await createAtomicFile(fifo, 'csv-sink');
    await opened;
    // The reader goes away: the next write gets EPIPE (Node ignores SIGPIPE).
    reader.destroy();
    await new Promise<void>((resolve) => reader.on('close', () => resolve()));
    const err = await rejection(file.write('x'.repeat(1 << 17)));
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ connector: 'csv-sink', path: fifo, retriable: false });
    expect(err.message).toMatch(new RegExp(`^csv-sink: cannot write ${fifo}: EPIPE`));
    expect((err.cause as NodeJS.ErrnoException).code).toBe('EPIPE');
    await file.discard();
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it('a special file that cannot be opened is a ConnectorError saying "cannot open"', async () => {
    const socket = path.join(dir, 'sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const err = await rejection(createAtomicFile(socket, 'csv-sink'));
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err.message).toMatch(new RegExp(`^csv-sink: cannot open ${socket}: `));
      expect((await lstat(socket)).isSocket()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('createAtomicFile, standard output', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Replaces process.stdout.write; `fail` makes it report that error through the callback. */
  function captureStdout(fail?: Error): unknown[] {
    const chunks: unknown[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, cb?: (err?: Error | null) => void) => {
      chunks.push(chunk);
      queueMicrotask(() => cb?.(fail ?? null));
      return true;
    }) as typeof process.stdout.write);
    return chunks;
  }

  it('- writes every chunk to process.stdout, waiting for each; no temp file', async () => {
    const chunks = captureStdout();
    const file = await createAtomicFile('-', 'csv-sink');
    expect(file).toMatchObject({ path: '-', tempPath: '-', isDirect: true });
    await file.write('a,b\n');
    await file.write(Buffer.from('1,2\n'));
    await file.commit();
    expect(chunks.map((c) => String(c))).toEqual(['a,b\n', '1,2\n']);
  });

  it('after commit or discard, write and commit are ConnectorErrors saying which; discard keeps a commit', async () => {
    captureStdout();
    const committed = await createAtomicFile('-', 'csv-sink');
    await committed.commit();
    await committed.discard();
    for (const call of [() => committed.write('x'), () => committed.commit()]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ connector: 'csv-sink', path: '-' });
      expect(err.message).toBe('csv-sink: standard output was already committed');
    }
    const discarded = await createAtomicFile('-', 'csv-sink');
    await discarded.discard();
    await discarded.discard();
    expect((await rejection(discarded.write('x'))).message).toBe('csv-sink: standard output was already discarded');
    expect((await rejection(discarded.commit())).message).toBe('csv-sink: standard output was already discarded');
  });

  it('a failed write to standard output is a ConnectorError with the cause', async () => {
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' });
    captureStdout(epipe);
    const file = await createAtomicFile('-', 'csv-sink');
    const err = await rejection(file.write('x'));
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ connector: 'csv-sink', path: '-' });
    expect(err.message).toBe('csv-sink: cannot write -: write EPIPE');
    expect(err.cause).toBe(epipe);
  });
});

describe('writeAtomically', () => {
  it('commits what the body wrote and resolves with its result', async () => {
    const target = path.join(dir, 'body.csv');
    const result = await writeAtomically(target, 'csv-sink', async (file) => {
      await file.write('rows');
      return 42;
    });
    expect(result).toBe(42);
    expect(await readFile(target, 'utf8')).toBe('rows');
  });

  it('a failing commit is rethrown, and the temp file is gone', async () => {
    const target = path.join(dir, 'late-dir');
    const err = await rejection(
      writeAtomically(target, 'csv-sink', async (file) => {
        await file.write('x');
        await mkdir(path.join(target, 'inside'), { recursive: true });
      }),
    );
    expect(err.message).toMatch(/^csv-sink: cannot finish writing /);
    expect((await readdir(dir)).filter((n) => n.startsWith('late-dir'))).toEqual(['late-dir']);
  });

  it('a finished write no longer answers to the connector close: closing later leaves the file', async () => {
    const target = path.join(dir, 'closed-later.csv');
    const closers = new Closers();
    await writeAtomically(target, 'csv-sink', async (file) => file.write('done'), closers);
    await closers.closeAll();
    expect(await readFile(target, 'utf8')).toBe('done');
  });
});
