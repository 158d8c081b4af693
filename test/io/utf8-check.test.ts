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
    // Only bytes of the file are shown (an earlier version showed a padding byte "00" after them).
    expect(error!.received).toBe('bytes f0 9f');
  });

  describe('a sequence split over three chunks (a chunk of only continuation bytes)', () => {
    // Regression: the tail kept for the next chunk was judged on the last chunk alone, so a chunk holding
    // only continuation bytes dropped the lead byte kept before it.
    const head = bytes('a\n');
    it('passes on unchanged when it is complete', async () => {
      const { out, error } = await run([[...head, 0xf0], [0x9f], [0x98], [0x80, ...bytes('\n')]]);
      expect(error).toBeUndefined();
      expect(out.toString('utf8')).toBe('a\n\u{1F600}\n');
    });
    it('is reported at its lead byte when a later chunk breaks it', async () => {
      const { error } = await run([[...head, 0xf0], [0x9f], [0x98, 0x41]]);
      expect(error!.message).toContain(`at byte offset ${head.length};`);
      expect(error!.line).toBe(2);
      expect(error!.received).toBe('bytes f0 9f 98 41');
    });
    it('shows the bytes of the sequence as the file has them when the middle chunk holds two of them', async () => {
      const { error } = await run([[...head, 0xf0], [0x9f, 0x98], [0x41]]);
      expect(error!.message).toContain(`at byte offset ${head.length};`);
      expect(error!.received).toBe('bytes f0 9f 98 41');
    });
    it('is reported at its lead byte, with the bytes the file has, when the file ends inside it', async () => {
      const { error } = await run([[...head, 0xf0], [0x9f]]);
      expect(error!.message).toContain(`at byte offset ${head.length};`);
      expect(error!.line).toBe(2);
      expect(error!.received).toBe('bytes f0 9f');
      const three = await run([[...head, 0xf0], [0x9f], [0x98]]);
      expect(three.error!.message).toContain(`at byte offset ${head.length};`);
      expect(three.error!.received).toBe('bytes f0 9f 98');
    });
  });

  it.each([
    ['a 2-byte lead', [0xc3]],
    ['a 3-byte lead and one continuation', [0xe2, 0x82]],
    ['the 3-byte lead e0 and one continuation', [0xe0, 0xa0]],
    ['a 4-byte lead and two continuations', [0xf0, 0x9f, 0x98]],
  ])('a chunk ending in %s that the next chunk breaks is reported at the lead', async (_name, unfinished) => {
    const first = [...bytes('x,y\n1,'), ...unfinished];
    const { error } = await run([first, [0x41, ...bytes(',2\n')]]);
    expect(error!.message).toContain(`at byte offset ${first.length - unfinished.length};`);
    expect(error!.line).toBe(2);
    expect(error!.received).toBe(`bytes ${[...unfinished, 0x41, 0x2c, 0x32, 0x0a].slice(0, 4).map((b) => b.toString(16)).join(' ')}`);
  });

  it('a chunk ending in a complete sequence leaves nothing pending: a bad next chunk is reported at its own byte', async () => {
    const first = bytes('x\n1,\u20ac');
    const { error } = await run([first, [0xff, ...bytes('\n')]]);
    expect(error!.message).toContain(`at byte offset ${first.length};`);
    expect(error!.received).toBe('bytes ff 0a');
  });

  // The decoder decides whether the bytes are valid; the scan for the first bad byte decides where. A valid
  // character the scan misjudged would move the reported offset before it.
  it.each([
    ['U+0080, the smallest 2-byte', '\u0080'],
    ['U+07FF, the largest 2-byte', '\u07ff'],
    ['U+0800, the smallest 3-byte', '\u0800'],
    ['U+D7FF, just below the surrogates', '\ud7ff'],
    ['U+E000, just above the surrogates', '\ue000'],
    ['U+FFFF, the largest 3-byte', '\uffff'],
    ['U+10000, the smallest 4-byte', '\u{10000}'],
    ['U+10FFFF, the largest code point', '\u{10ffff}'],
  ])('%s before a bad byte does not move its offset', async (_name, ch) => {
    const before = bytes(`h\n${ch}${ch}\n`);
    const { error } = await run([[...before, 0xc1, 0xbf, 0x0a]]);
    expect(error!.message).toContain(`at byte offset ${before.length};`);
    expect(error!.line).toBe(3);
    expect(error!.received).toBe('bytes c1 bf 0a');
  });

  it.each([
    ['an overlong 2-byte form with lead c1', [0xc1, 0xbf]],
    ['an overlong 3-byte form (U+07FF in three bytes)', [0xe0, 0x9f, 0xbf]],
    ['an overlong 4-byte form (U+FFFF in four bytes)', [0xf0, 0x8f, 0xbf, 0xbf]],
    ['the last UTF-16 surrogate U+DFFF', [0xed, 0xbf, 0xbf]],
    ['U+110000 written with lead f4', [0xf4, 0x90, 0x80, 0x80]],
    ['a 3-byte lead whose second continuation is ASCII', [0xe2, 0x82, 0x41]],
    ['a 4-byte lead whose third continuation is ASCII', [0xf0, 0x9f, 0x98, 0x41]],
    // Bytes that never lead a sequence, followed by bytes that would complete one if they did.
    ['stray continuation bytes', [0xbf, 0xbf, 0xbf]],
    ['a continuation byte before three more', [0x81, 0x80, 0x80, 0x80]],
    ['the lead f8 before three continuations', [0xf8, 0x90, 0x80, 0x80]],
  ])('%s after valid multi-byte text is reported at its first byte', async (_name, bad) => {
    const before = bytes('\u00e9\u20ac\u{1F600}\n\u00e9');
    const { error } = await run([[...before, ...bad, ...bytes('zz')]]);
    expect(error!.message).toContain(`at byte offset ${before.length};`);
    expect(error!.line).toBe(2);
    expect(error!.received).toBe(`bytes ${[...bad, 0x7a, 0x7a].slice(0, 4).map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  });

  it('shows at most four bytes from the bad one on, each as two hex digits', async () => {
    const { error } = await run([[...bytes('ab'), 0xc3, 0x01, 0x02, 0x0a, 0x41, 0x42]]);
    expect(error!.received).toBe('bytes c3 01 02 0a');
    expect(error!.message).toContain('at byte offset 2;');
    expect(error!.line).toBe(1);
  });

  it('the error names the connector and file it was made for', async () => {
    const source = Readable.from([Buffer.from([0x41, 0xff])]);
    const check = source.pipe(utf8Check('other-source', '/x/y.txt'));
    const error = await (async () => {
      for await (const _ of check) void _;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe(
      'file /x/y.txt, line 1: other-source: the file is not valid UTF-8 at byte offset 1; convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) (expected UTF-8 text, received bytes ff)',
    );
    expect((error as DataError).expected).toBe('UTF-8 text');
  });
});
