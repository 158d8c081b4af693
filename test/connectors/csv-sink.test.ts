import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Float64, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvSink } from '../../src/connectors/csv-sink.js';
import { batchOf, rejection, tempDir, writeAll } from './helpers.js';

// What csv-sink's own options do; atomic-sinks.test.ts and round-trip.test.ts cover what every file sink shares.
describe('csv-sink', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => cleanup());

  const input = [batchOf({ a: makeVector(new Float64Array([1, 2])), b: vectorFromArray([0.5, null], new Float64()) })];

  it('writes the chosen columns in the given order and fails naming a column that is not there', async () => {
    await writeAll(csvSink, { path: path.join(dir, 'ba.csv'), columns: ['b', 'a'] }, input);
    expect(await readFile(path.join(dir, 'ba.csv'), 'utf8')).toBe('b,a\n0.5,1\n,2\n');
    const err = await rejection(writeAll(csvSink, { path: path.join(dir, 'c.csv'), columns: ['c'] }, input));
    expect(err).toMatchObject({ column: 'c' });
    expect(await readdir(dir)).toEqual(['ba.csv']);
  });

  it('delimiter separates fields and hasHeader: false leaves the names out', async () => {
    await writeAll(csvSink, { path: path.join(dir, 't.tsv'), delimiter: '\t', hasHeader: false }, input);
    expect(await readFile(path.join(dir, 't.tsv'), 'utf8')).toBe('1\t0.5\n2\t\n');
  });

  it('quotes a text value holding the delimiter, a quote or a line break, so it reads back as one field', async () => {
    const text = batchOf({ s: vectorFromArray(['plain', 'a;b', 'say "hi"', 'two\nlines'], new Utf8()) });
    await writeAll(csvSink, { path: path.join(dir, 's.csv'), delimiter: ';' }, [text]);
    expect(await readFile(path.join(dir, 's.csv'), 'utf8')).toBe('s\nplain\n"a;b"\n"say ""hi"""\n"two\nlines"\n');
  });
});
