import { Readable } from 'node:stream';
import { parse as parseSync } from 'csv-parse/sync';
import { CsvError, type Options } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { csvRecordGroups, type CsvRecordOptions } from '../../src/io/csv-records.js';
import { seededRandom } from '../../src/models/random.js';


const parserOptions = (delimiter: string): Options => ({
  delimiter,
  quote: '"',
  bom: true,
  skip_empty_lines: false,
  relax_column_count: true,
  record_delimiter: ['\r\n', '\n', '\r'],
});

/** The records of {@link csvRecordGroups} with every line split, as csv-parse would return them. */
async function* csvRecords(bytes: Readable, options: CsvRecordOptions): AsyncGenerator<string[][]> {
  for await (const group of csvRecordGroups(bytes, options)) yield 'lines' in group ? group.lines.map((line) => line.split(options.delimiter)) : group.records;
}

/** The bytes of `text` cut at random byte offsets (multi-byte characters split too). */
function chunked(text: string, next: () => number): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const len = 1 + Math.floor(next() * 40);
    parts.push(bytes.subarray(at, at + len));
    at += len;
  }
  return Readable.from(parts);
}

async function viaRecords(text: string, delimiter: string, next: () => number): Promise<string[][] | string> {
  const out: string[][] = [];
  try {
    for await (const group of csvRecords(chunked(text, next), { parser: parserOptions(delimiter), delimiter, quote: '"' })) out.push(...group);
  } catch (err) {
    if (err instanceof CsvError) return err.code;
    throw err;
  }
  return out;
}

function viaCsvParse(text: string, delimiter: string): string[][] | string {
  try {
    return parseSync(text, parserOptions(delimiter)) as string[][];
  } catch (err) {
    if (err instanceof CsvError) return err.code;
    throw err;
  }
}

/** Small texts from an alphabet of the characters that matter; `withQuotesOrCr` adds `"` and `\r`. */
function texts(count: number, seed: number, alphabet: string[]): string[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const n = Math.floor(next() * 120);
    let s = next() < 0.1 ? '\uFEFF' : '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    return s;
  });
}

describe('csvRecordGroups', () => {
  const plain = ['a', '1', '-2.5', ',', ',', '\n', '\n', ' ', 'é', '日本', '😀', '\uFEFF', ';;'];
  it.each([',', ';;', '\t'])('gives the records csv-parse gives for text without quotes or CR, cut into random chunks (delimiter %j)', async (delimiter) => {
    const next = seededRandom(11);
    for (const text of texts(400, delimiter.length, plain)) {
      expect(await viaRecords(text, delimiter, next), JSON.stringify(text)).toEqual(viaCsvParse(text, delimiter));
    }
  });

  it('gives the records csv-parse gives for quote-free text with CR, CRLF and LF line ends mixed, cut into random chunks', async () => {
    const next = seededRandom(13);
    for (const text of texts(800, 9, [...plain, '\r', '\r', '\r\n', '\r\n', '\r\r\n'])) {
      expect(await viaRecords(text, ',', next), JSON.stringify(text)).toEqual(viaCsvParse(text, ','));
    }
  });

  it('gives csv-parse records or its error code once quotes and CR appear, also after a plain start', async () => {
    const next = seededRandom(12);
    const quoted = [...plain, '"', '""', '\r', '\r\n', '"a,b"'];
    for (const tail of texts(600, 5, quoted)) {
      // A long plain head puts the first quote several chunks in, so the switch happens mid-stream.
      const text = `x,y\n${'1,2\n3,é\n'.repeat(Math.floor(next() * 30))}${tail}`;
      expect(await viaRecords(text, ',', next), JSON.stringify(text)).toEqual(viaCsvParse(text, ','));
    }
  });

  it('counts a CsvError line from the start of the file, not from where csv-parse took over', async () => {
    const text = `a,b\n${'1,2\n'.repeat(5000)}3,"open\n`;
    const failure = async (read: () => Promise<unknown>) => {
      try {
        await read();
      } catch (err) {
        return { lines: (err as CsvError & { lines: number }).lines, message: (err as Error).message };
      }
    };
    const expected = await failure(async () => parseSync(text, parserOptions(',')));
    const received = await failure(async () => {
      for await (const _ of csvRecords(chunked(text, seededRandom(1)), { parser: parserOptions(','), delimiter: ',', quote: '"' })) {
        // drain
      }
    });
    expect(expected?.message).toMatch(/line 5002/);
    expect(received).toEqual(expected);
  });
});
