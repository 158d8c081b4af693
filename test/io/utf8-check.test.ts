import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { utf8Check } from '../../src/io/utf8-check.js';

/** Streams `chunks` through the check: the bytes that came out, or the error it failed with. */
async function run(chunks: (string | number[])[]): Promise<{ out: Buffer; error?: DataError }> {
  const source = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c))), { objectMode: false });
  const check = source.pipe(utf8Check('csv-source', '/data/in.csv'));
  const parts: Buffer[] = [];
  try {
    for await (const part of check) parts.push(part as Buffer);
    return { out: Buffer.concat(parts) };
  } catch (error) {
    return { out: Buffer.concat(parts), error: error as DataError };
  }
}

const bytes = (s: string) => [...Buffer.from(s, 'utf8')];

describe('utf8Check', () => {
  it('passes valid UTF-8 on byte for byte, a BOM and sequences split across chunks included', async () => {
    const text = '\ufeffid,name\n1,Zoë\n2,日本\n3,🙂\n';
    const all = bytes(text);
    // Split inside the BOM, inside "ë", inside "日" and inside the 4-byte emoji.
    const cuts = [1, 16, 23, all.length - 3, all.length - 1];
    const chunks: number[][] = [];
    let from = 0;
    for (const cut of cuts) {
      chunks.push(all.slice(from, cut));
      from = cut;
    }
    chunks.push(all.slice(from));
    const { out, error } = await run(chunks);
    expect(error).toBeUndefined();
    expect(out.equals(Buffer.from(text, 'utf8'))).toBe(true);
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['an overlong 2-byte form', [0xc0, 0x80]],
    ['an overlong 3-byte form', [0xe0, 0x80, 0x80]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a byte that never starts a sequence', [0xf5, 0x80, 0x80, 0x80]],
    ['a lead byte followed by ASCII', [0xc3, 0x41]],
  ])('fails at %s, naming file, line, byte offset and the bytes', async (_name, bad) => {
    const before = bytes('a,b\n1,2\nx');
    const { error } = await run([[...before, ...bad, ...bytes(',y\n')]]);
    expect(error).toBeInstanceOf(DataError);
    expect(error!.message).toContain(`at byte offset ${before.length}`);
    expect(error!.file).toBe('/data/in.csv');
    expect(error!.line).toBe(3);
    expect(error!.received?.startsWith(`bytes ${bad[0].toString(16).padStart(2, '0')}`)).toBe(true);
  });

  it('a bad sequence whose lead byte ended the previous chunk is reported at the lead, with the right line', async () => {
    const first = [...bytes('h\nline2 '), 0xe2];
    const { error } = await run([first, [0x28, 0xa1], bytes('\n')]);
    expect(error!.message).toContain(`at byte offset ${first.length - 1}`);
    expect(error!.line).toBe(2);
  });

  it('counts lines across chunks', async () => {
    const { error } = await run([bytes('1\n2\n'), bytes('3\n4\n'), [...bytes('5'), 0xff]]);
    expect(error!.line).toBe(5);
    expect(error!.message).toContain('at byte offset 9');
  });

  it('a file that ends inside a sequence fails at its first byte', async () => {
    const { error } = await run([[...bytes('ok\n'), 0xf0, 0x9f]]);
    expect(error).toBeInstanceOf(DataError);
    expect(error!.message).toContain('at byte offset 3');
    expect(error!.line).toBe(2);
    expect(error!.received).toBe('bytes f0 9f 00');
  });
});
