import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CsvError } from 'csv-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSource } from '../../src/connectors/csv-source.js';
import type { Source } from '../../src/contract/stage.js';
import { collect, testContext } from '../helpers/context.js';
import { captureLogger } from '../helpers/logger.js';
import { readAll, rejection, tempDir, values } from './helpers.js';

/**
 * csv-source details the format round trips do not reach: header names, BOM and line endings, batch
 * boundaries at the end of the file, the no-value warning, metadata of zero-row batches, the log line,
 * file errors, parse-error locations and a source closed early. Complements file-connector-edges.test.ts.
 */

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(async () => cleanup());

const at = (name: string) => path.join(dir, name);
async function csv(name: string, text: string): Promise<string> {
  await writeFile(at(name), text);
  return at(name);
}
const names = (batch: { schema: { fields: { name: string }[] } }) => batch.schema.fields.map((f) => f.name);

describe('csv-source reading', () => {
  it('a byte-order mark is not part of the first column name', async () => {
    const [batch] = await readAll(csvSource, { path: await csv('bom.csv', '\uFEFFa,b\n1,2\n') });
    expect(names(batch)).toEqual(['a', 'b']);
  });

  it('mixed line endings (CRLF, LF, CR) in one file each end a record', async () => {
    const batches = await readAll(csvSource, { path: await csv('mixed.csv', 'a\r\n1\n2\r3\r\n4\n') });
    expect(values(batches, 'a')).toEqual([1, 2, 3, 4]);
  });

  it('empty or all-space header names become c<i>, also in the first column, and a clash says which was generated', async () => {
    const [first] = await readAll(csvSource, { path: await csv('empty-first.csv', ',b\n1,2\n') });
    expect(names(first)).toEqual(['c0', 'b']);
    expect(first.numRows).toBe(1);
    const [spaced] = await readAll(csvSource, { path: await csv('spaced.csv', 'a, ,c\n1,2,3\n') });
    expect(names(spaced)).toEqual(['a', 'c1', 'c']);
    const clash = await rejection(readAll(csvSource, { path: await csv('clash.csv', 'c1, \n1,2\n') }));
    expect(clash.message).toContain('duplicate column name "c1" in the header at columns 1 and 2 (column 2 has an empty name, read as c1); rename one of them');
  });

  it('the no-value warning names only columns with no value at all, and a header-only file gives none', async () => {
    const logger = captureLogger();
    await readAll(csvSource, { path: await csv('some-null.csv', 'a,b\n1,\n2,5\n') }, testContext({ logger }));
    expect(logger.records.filter((r) => r.level === 'warn')).toEqual([]);
    const headerOnly = captureLogger();
    const batches = await readAll(csvSource, { path: await csv('header-only.csv', 'a,b\n') }, testContext({ logger: headerOnly }));
    expect(batches.map((b) => b.numRows)).toEqual([0]);
    expect(headerOnly.records.filter((r) => r.level === 'warn')).toEqual([]);
  });

  it('a file of an exact multiple of batchRows ends without an extra empty batch, inside or after the inference window', async () => {
    const file = await csv('four.csv', 'v\n1\n2\n3\n4\n');
    for (const inferRows of [1, 3, 1000]) {
      const batches = await readAll(csvSource, { path: file, batchRows: 2, inferRows });
      expect(batches.map((b) => b.numRows)).toEqual([2, 2]);
    }
  });

  it('the zero-row batch of a header-only file names the file and row 0 but no line', async () => {
    const file = await csv('meta-empty.csv', 'a\n');
    const [batch] = await readAll(csvSource, { path: file });
    expect(batch.schema.metadata.get('latentflow.file')).toBe(file);
    expect(batch.schema.metadata.get('latentflow.firstRow')).toBe('0');
    expect(batch.schema.metadata.has('latentflow.firstLine')).toBe(false);
  });

  it('a column of numbers not written as float64 writes them is numeric text: nullable Utf8 marked latentflow.numeric', async () => {
    const [batch] = await readAll(csvSource, { path: await csv('ids.csv', 'id,v\n00017,1\n00018,2\n') });
    const id = batch.schema.fields.find((f) => f.name === 'id')!;
    expect(String(id.type)).toBe('Utf8');
    expect(id.metadata.get('latentflow.numeric')).toBe('text');
    expect(batch.schema.fields.every((f) => f.nullable)).toBe(true);
    expect(values([batch], 'id')).toEqual(['00017', '00018']);
  });

  it('logs the file and the rows read at debug level', async () => {
    const logger = captureLogger();
    const file = await csv('logged.csv', 'a\n1\n2\n3\n');
    await readAll(csvSource, { path: file, batchRows: 2 }, testContext({ logger }));
    const record = logger.records.find((r) => r.level === 'debug' && r.msg === `csv-source: read ${file}`);
    expect(record?.fields).toMatchObject({ file, rows: 3 });
  });
});

describe('csv-source lifecycle and errors', () => {
  it('a source closed before it is read yields nothing; closed after a batch it yields no more', async () => {
    const file = await csv('three.csv', 'a\n1\n2\n3\n');
    const early = csvSource.create(csvSource.params.parse({ path: file }), testContext()) as Source;
    await early.close();
    expect(await collect(early.batches())).toEqual([]);
    // All three one-row batches are ready at the end of the file (inference window of 1000 rows).
    const source = csvSource.create(csvSource.params.parse({ path: file, batchRows: 1 }), testContext()) as Source;
    const iterator = source.batches()[Symbol.asyncIterator]();
    expect((await iterator.next()).value.numRows).toBe(1);
    await source.close();
    expect((await iterator.next()).done).toBe(true);
  });

  it('a missing file cannot be opened; a folder cannot be read', async () => {
    const missing = await rejection(readAll(csvSource, { path: at('absent.csv') }));
    expect(missing.message).toMatch(new RegExp(`^csv-source: cannot open ${at('absent.csv')}: ENOENT`));
    await mkdir(at('folder'));
    const folder = await rejection(readAll(csvSource, { path: at('folder') }));
    expect(folder.message).toMatch(new RegExp(`^csv-source: cannot read ${at('folder')}: EISDIR`));
  });

  it('malformed quoting under an all-space header name names the column c<i>, and keeps the parser error as cause', async () => {
    const file = await csv('stray-space.csv', 'id, \n1,ok\n2,bad"quote\n');
    const err = await rejection(readAll(csvSource, { path: file }));
    expect(err).toMatchObject({ line: 3, column: 'c1' });
    expect(err.cause).toBeInstanceOf(CsvError);
  });

  it('malformed quoting in the header itself is located at line 1 without a column', async () => {
    const file = await csv('bad-header.csv', 'id,na"me\n1,2\n');
    const err = await rejection(readAll(csvSource, { path: file }));
    expect(err).toMatchObject({ file, line: 1 });
    expect((err as { column?: string }).column).toBeUndefined();
  });

  it('an unclosed quote keeps the parser error as cause', async () => {
    const err = await rejection(readAll(csvSource, { path: await csv('open-cause.csv', 'a\n"never\n') }));
    expect(err.cause).toBeInstanceOf(CsvError);
    expect((err.cause as CsvError).code).toBe('CSV_QUOTE_NOT_CLOSED');
  });
});
