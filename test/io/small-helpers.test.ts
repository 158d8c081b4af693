import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Binary, Bool, DateDay, Decimal, Duration, FixedSizeBinary, Float64, Int64, IntervalDayTime, List, Field, Struct, TimeMillisecond, TimestampMillisecond, Utf8 } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, DataError, LatentflowError } from '../../src/errors.js';
import { fileError, isFsError } from '../../src/io/file-error.js';
import { isFixedWidth } from '../../src/io/fixed-width.js';
import { STDIO, outputTarget, resolveFilePath } from '../../src/io/output-target.js';
import { isPidAlive, removeStaleTemps, tempOwner, tempPathFor } from '../../src/io/temp-names.js';
import { utf8Check } from '../../src/io/utf8-check.js';

/** Small io helpers that connectors rely on: UTF-8 checking, output targets, temp names, fs error wrapping. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-io-small-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `chunks` through utf8Check; resolves with the bytes passed on, or rejects with its error. */
async function check(chunks: number[][]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks.map((c) => Buffer.from(c))),
    utf8Check('csv-source', '/data/in.csv'),
    async function* (source) {
      for await (const c of source) out.push(c as Buffer);
    },
  );
  return Buffer.concat(out);
}

const bytes = (s: string) => [...Buffer.from(s)];

describe('utf8Check', () => {
  it('passes valid UTF-8 on unchanged, also with a BOM and sequences split across chunks', async () => {
    const text = Buffer.from('\ufeffa,é\n€,😀\n');
    expect(await check([[...text]])).toEqual(text);
    // Split inside the 3-byte € and inside the 4-byte emoji.
    const all = [...text];
    const euro = all.indexOf(0xe2);
    const emoji = all.indexOf(0xf0);
    expect(await check([all.slice(0, euro + 1), all.slice(euro + 1, emoji + 2), all.slice(emoji + 2, emoji + 3), all.slice(emoji + 3)])).toEqual(text);
  });

  it('an invalid byte is a DataError naming the file, the line and the byte offset, with the bytes found', async () => {
    const err = await check([[...bytes('a,b\n1,'), 0xe9, ...bytes('t\u00e9\n')]]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ file: '/data/in.csv', line: 2, expected: 'UTF-8 text', received: 'bytes e9 74 c3 a9' });
    expect((err as Error).message).toBe(
      'file /data/in.csv, line 2: csv-source: the file is not valid UTF-8 at byte offset 6; convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) (expected UTF-8 text, received bytes e9 74 c3 a9)',
    );
  });

  it('counts lines and offsets over earlier chunks, and reports a sequence begun in the previous chunk at its first byte', async () => {
    const err = await check([bytes('x\ny\n'), [...bytes('zz'), 0xe2], [0x28, 0xa1, ...bytes('\n')]]).catch((e: unknown) => e);
    expect(err).toMatchObject({ line: 3, received: 'bytes e2 28 a1 0a' });
    expect((err as Error).message).toContain('at byte offset 6;');
    const late = await check([bytes('ab\ncd\n'), bytes('ef\n'), [0xff]]).catch((e: unknown) => e);
    expect(late).toMatchObject({ line: 4, received: 'bytes ff' });
    expect((late as Error).message).toContain('at byte offset 9;');
  });

  it('a chunk that is all of an unfinished sequence keeps it for the next chunk', async () => {
    const text = Buffer.from('€');
    expect(await check([[text[0]], [text[1]], [text[2]]])).toEqual(text);
  });

  it('a file ending inside a sequence fails at that sequence', async () => {
    const err = await check([[...bytes('ok\n'), 0xe2, 0x82]]).catch((e: unknown) => e);
    expect(err).toMatchObject({ line: 2 });
    expect((err as Error).message).toContain('at byte offset 3;');
    expect((err as DataError).received).toBe('bytes e2 82');
  });

  it('overlong forms, surrogates, code points past U+10FFFF and stray continuation bytes are refused', async () => {
    for (const seq of [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0x80], [0xc3, 0x28]]) {
      const err = await check([[0x61, ...seq, 0x62]]).catch((e: unknown) => e);
      expect(err, seq.join(' ')).toBeInstanceOf(DataError);
      expect((err as Error).message, seq.join(' ')).toContain('at byte offset 1;');
    }
    // The largest code point and the ones just outside the surrogates pass.
    for (const ok of ['\u{10FFFF}', '\uD7FF', '\uE000', '\u0080', '\u0800', '\u{10000}']) {
      expect([...(await check([bytes(ok)]))]).toEqual(bytes(ok));
    }
  });
});

describe('outputTarget', () => {
  it('- is stdout; a new or regular path is replaced; a symlink is replaced at the end of its chain', async () => {
    expect(await outputTarget(STDIO)).toEqual({ kind: 'stdout' });
    expect(resolveFilePath('/base', STDIO)).toBe(STDIO);
    expect(resolveFilePath('/base', 'a/b.csv')).toBe('/base/a/b.csv');
    expect(resolveFilePath('/base', '/abs.csv')).toBe('/abs.csv');
    const file = path.join(dir, 'real.csv');
    expect(await outputTarget(file)).toEqual({ kind: 'replace', path: file });
    await writeFile(file, 'x');
    expect(await outputTarget(file)).toEqual({ kind: 'replace', path: file });
    await mkdir(path.join(dir, 'links'));
    await symlink('../real.csv', path.join(dir, 'links', 'one'));
    await symlink('one', path.join(dir, 'links', 'two'));
    expect(await outputTarget(path.join(dir, 'links', 'two'))).toEqual({ kind: 'replace', path: file });
    await symlink('missing-target.csv', path.join(dir, 'links', 'dangling'));
    expect(await outputTarget(path.join(dir, 'links', 'dangling'))).toEqual({ kind: 'replace', path: path.join(dir, 'links', 'missing-target.csv') });
  });

  it('devices and /proc links are written directly; a link loop is left for the open to report', async () => {
    expect(await outputTarget('/dev/null')).toEqual({ kind: 'direct', path: '/dev/null' });
    await symlink('/dev/null', path.join(dir, 'to-null'));
    expect(await outputTarget(path.join(dir, 'to-null'))).toEqual({ kind: 'direct', path: path.join(dir, 'to-null') });
    await symlink('loop-b', path.join(dir, 'loop-a'));
    await symlink('loop-a', path.join(dir, 'loop-b'));
    const loop = await outputTarget(path.join(dir, 'loop-a'));
    expect(loop.kind).toBe('replace');
  });
});

describe('temp names', () => {
  it('tempPathFor names a sibling <name>.tmp-<pid>-<8 hex>, and tempOwner reads the pid back only for that exact name', () => {
    const p = tempPathFor('/data/out.csv');
    expect(path.dirname(p)).toBe('/data');
    expect(path.basename(p)).toMatch(new RegExp(`^out\\.csv\\.tmp-${process.pid}-[0-9a-f]{8}$`));
    expect(tempPathFor('/data/out.csv')).not.toBe(p);
    expect(tempOwner(path.basename(p), 'out.csv')).toBe(process.pid);
    expect(tempOwner('out.csv.tmp-123-0a1b2c3d', 'out.csv')).toBe(123);
    for (const name of ['out.csv.tmp-0-0a1b2c3d', 'out.csv.tmp-12-0a1b2c3', 'out.csv.tmp-12-0a1b2c3dd', 'out.csv.tmp-12-0A1B2C3D', 'out.csv.tmp-12345678901-0a1b2c3d', 'xout.csv.tmp-1-0a1b2c3d', 'out.csv', 'out.csvtmp-1-0a1b2c3d']) {
      expect(tempOwner(name, 'out.csv'), name).toBeUndefined();
    }
    expect(tempOwner('out.csv.tmp-1234567890-0a1b2c3d', 'out.csv')).toBe(1234567890);
  });

  it('isPidAlive: this process and its parent are alive; an exited child is not', () => {
    expect(isPidAlive(process.pid)).toBe(true);
    expect(isPidAlive(process.ppid)).toBe(true);
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    expect(isPidAlive(dead)).toBe(false);
  });

  it('removeStaleTemps removes dead-pid temp files of that exact name only, and our directories only when told they are ours', async () => {
    const d = path.join(dir, 'stale');
    await mkdir(d);
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    const names = {
      staleFile: `out.csv.tmp-${dead}-00000000`,
      liveFile: `out.csv.tmp-${process.pid}-00000000`,
      otherName: `other.csv.tmp-${dead}-00000000`,
      staleDir: `out.csv.tmp-${dead}-11111111`,
    };
    await writeFile(path.join(d, names.staleFile), '');
    await writeFile(path.join(d, names.liveFile), '');
    await writeFile(path.join(d, names.otherName), '');
    await mkdir(path.join(d, names.staleDir));
    expect(await removeStaleTemps(path.join(d, 'out.csv'))).toEqual([path.join(d, names.staleFile)]);
    expect((await readdir(d)).sort()).toEqual([names.liveFile, names.staleDir, names.otherName].sort());
    expect(await removeStaleTemps(path.join(d, 'out.csv'), async () => false)).toEqual([]);
    expect(await removeStaleTemps(path.join(d, 'out.csv'), async () => true)).toEqual([path.join(d, names.staleDir)]);
    expect(await removeStaleTemps(path.join(dir, 'no-such-folder', 'out.csv'))).toEqual([]);
  });
});

describe('fileError', () => {
  const fsError = (code: string) => Object.assign(new Error(`${code}: something, open '/x'`), { code, syscall: 'open' });

  it('wraps a file-system error as a ConnectorError with the action, the path, advice for its code and the cause', () => {
    const cause = fsError('ENOENT');
    const e = fileError('csv-source', '/x', 'open', cause) as ConnectorError;
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e.message).toBe(`csv-source: cannot open /x: ENOENT: something, open '/x'; check the path (relative paths resolve against the pipeline file folder) and that the folder exists`);
    expect(e).toMatchObject({ connector: 'csv-source', path: '/x', retriable: false });
    expect(e.cause).toBe(cause);
    expect((fileError('c', '/x', 'read', fsError('ENOSPC')) as Error).message).toContain('; the disk is full; free space or write elsewhere');
    expect((fileError('c', '/x', 'read', fsError('EWEIRD')) as Error).message).toBe("c: cannot read /x: EWEIRD: something, open '/x'");
  });

  it('marks errors that may pass as retriable, and only those', () => {
    for (const code of ['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR']) expect((fileError('c', '/x', 'read', fsError(code)) as ConnectorError).retriable, code).toBe(true);
    for (const code of ['ENOENT', 'EACCES', 'EIO']) expect((fileError('c', '/x', 'read', fsError(code)) as ConnectorError).retriable, code).toBe(false);
  });

  it('passes a LatentflowError through, and words a non-file error by its message', () => {
    const typed = new DataError('bad');
    expect(fileError('c', '/x', 'read', typed)).toBe(typed);
    const plain = fileError('c', '/x', 'read', new Error('boom')) as ConnectorError;
    expect(plain.message).toBe('c: cannot read /x: boom');
    expect(plain.retriable).toBe(false);
    expect((fileError('c', '/x', 'read', 'text') as LatentflowError).message).toBe('c: cannot read /x: text');
    expect(isFsError(fsError('EIO'))).toBe(true);
    expect(isFsError(Object.assign(new Error('x'), { syscall: 3 }))).toBe(false);
    expect(isFsError({ syscall: 'open' })).toBe(false);
  });
});

describe('isFixedWidth', () => {
  it('is true for one-buffer fixed-stride types and false for bits, variable-width and nested types', () => {
    for (const t of [new Int64(), new Float64(), new Decimal(2, 10, 128), new DateDay(), new TimeMillisecond(), new TimestampMillisecond(), new Duration(1), new IntervalDayTime(), new FixedSizeBinary(4)]) {
      expect(isFixedWidth(t), String(t)).toBe(true);
    }
    for (const t of [new Bool(), new Utf8(), new Binary(), new List(new Field('x', new Float64())), new Struct([])]) expect(isFixedWidth(t), String(t)).toBe(false);
  });
});
