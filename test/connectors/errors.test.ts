import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { makeVector } from 'apache-arrow';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSource } from '../../src/connectors/csv-source.js';
import { ipcSource } from '../../src/connectors/ipc-source.js';
import { ipcSink } from '../../src/connectors/ipc-sink.js';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import { ConnectorError, DataError } from '../../src/errors.js';
import { rowLocation } from '../../src/io/batch-meta.js';
import { batchOf, readAll, rejection, tempDir, values, writeAll } from './helpers.js';

describe('csv-source errors name the line', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(async () => cleanup());

  async function csv(name: string, text: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('a value that does not fit the inferred type is a DataError with file, line, column, expected and received', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `r${i},${i * 0.5}`);
    rows[22] = 'r22,abc'; // record 23 sits on line 24 (line 1 is the header)
    const file = await csv('bad-value.csv', `id,x\n${rows.join('\n')}\n`);
    const err = await rejection(readAll(csvSource, { path: file, inferRows: 10, batchRows: 8 }));
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ code: 'E_DATA', file, line: 24, column: 'x', received: '"abc"' });
    expect((err as DataError).expected).toMatch(/^float64/);
    expect(err.message).toContain(`file ${file}, line 24, column "x"`);
    expect(err.message).toContain('declare the column as string in `columns`');
  });

  it('a value that does not fit a declared type names the declared type', async () => {
    const file = await csv('bad-int.csv', 'id,n\na,1\nb,2\nc,3.5\n');
    const err = await rejection(readAll(csvSource, { path: file, columns: { n: 'int32' } }));
    expect(err).toMatchObject({ line: 4, column: 'n', received: '"3.5"' });
    expect((err as DataError).expected).toMatch(/^int32/);
    expect(err.message).toContain('declared as int32');
  });

  it('a record with the wrong number of fields is a DataError naming its line', async () => {
    const file = await csv('fields.csv', 'a,b\n1,2\n3,4\n\n5\n6,7\n');
    const err = await rejection(readAll(csvSource, { path: file }));
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ file, line: 5, expected: '2 fields', received: '1 fields' });
    expect(err.message).toContain('line 5');
  });

  it('an unclosed quote is a DataError naming the line where the record starts', async () => {
    const file = await csv('quote.csv', 'a,b\n1,2\n3,"never closed\n4,5\n6,7\n');
    const err = await rejection(readAll(csvSource, { path: file }));
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ file, line: 3 });
    expect(err.message).toMatch(/line 3: .*never closed/);
  });

  it('a stray quote inside an unquoted value is a DataError naming the line and column', async () => {
    const file = await csv('stray.csv', 'a,b\n1,2\n3,ab"c\n');
    const err = await rejection(readAll(csvSource, { path: file }));
    expect(err).toMatchObject({ line: 3, column: 'b' });
  });

  for (const [eol, label] of [
    ['\n', 'LF'],
    ['\r\n', 'CRLF'],
  ] as const) {
    it(`a record after a multi-line quoted record reports its own line (${label})`, async () => {
      // line 1 header, 2 r1, 3-5 r2 (two line breaks inside quotes), 6 empty, 7 r3 (bad), 8 r4
      const text = ['id,x,note', 'r1,1,plain', `r2,2,"first${eol}second${eol}third"`, '', 'r3,oops,after', 'r4,4,last', ''].join(eol);
      const file = await csv(`multi-${label}.csv`, text);
      const err = await rejection(readAll(csvSource, { path: file, columns: { note: 'string' }, inferRows: 2 }));
      expect(err).toMatchObject({ line: 7, column: 'x', received: '"oops"' });

      // Without the bad value, the batch metadata maps every row to its first line.
      const good = await csv(`multi-ok-${label}.csv`, text.replace('oops', '3'));
      const [batch] = await readAll(csvSource, { path: good });
      expect(values([batch], 'note')).toEqual(['plain', `first${eol}second${eol}third`, 'after', 'last']);
      expect([0, 1, 2, 3].map((row) => rowLocation(batch, 0, row).line)).toEqual([2, 3, 7, 8]);
      expect(rowLocation(batch, 0, 2).file).toBe(good);
    });
  }

  it('single-line consecutive rows carry firstLine; later batches continue the count', async () => {
    const file = await csv('lines.csv', `a\n${Array.from({ length: 10 }, (_, i) => i).join('\n')}\n`);
    const batches = await readAll(csvSource, { path: file, batchRows: 4 });
    expect(batches.map((b) => b.schema.metadata.get('latentflow.firstLine'))).toEqual(['2', '6', '10']);
    expect(batches.map((b) => b.schema.metadata.get('latentflow.firstRow'))).toEqual(['0', '4', '8']);
    expect(rowLocation(batches[2], 2, 1)).toMatchObject({ file, line: 11, batch: 2, row: 1 });
  });

  it('a duplicate column name in the header is a DataError on line 1', async () => {
    const file = await csv('dup.csv', 'a,b,a\n1,2,3\n');
    const err = await rejection(readAll(csvSource, { path: file }));
    expect(err).toMatchObject({ line: 1, column: 'a' });
    expect(err.message).toContain('duplicate column name');
  });

  it('a declared column missing from the file is a DataError listing the columns', async () => {
    const file = await csv('missing.csv', 'a,b\n1,2\n');
    const err = await rejection(readAll(csvSource, { path: file, columns: { c: 'string' } }));
    expect(err).toMatchObject({ column: 'c' });
    expect(err.message).toContain('the file has: a, b');
  });

  it('without a header columns are c0..cN and nullValues become nulls', async () => {
    const file = await csv('noheader.csv', '1,NA,x\n2,,null\n3, 4 ,z\n');
    const [batch] = await readAll(csvSource, { path: file, hasHeader: false, delimiter: ',' });
    expect(batch.schema.fields.map((f) => f.name)).toEqual(['c0', 'c1', 'c2']);
    // ' 4 ' is a number written otherwise than float64 writes it, so the column keeps the text (numeric text).
    expect(values([batch], 'c1')).toEqual([null, null, ' 4 ']);
    expect(values([batch], 'c2')).toEqual(['x', null, 'z']);
  });
});

describe('corrupt or mismatched binary files are DataErrors naming the file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(async () => cleanup());

  const table = () => [batchOf({ x: makeVector(new Float64Array([1, 2, 3])) })];

  it('ipc-source: garbage, a truncated file, and a format that does not match the file', async () => {
    const garbage = path.join(dir, 'garbage.arrow');
    await writeFile(garbage, 'this is not arrow at all, just some text that goes on for a while');
    expect(await rejection(readAll(ipcSource, { path: garbage }))).toMatchObject({ code: 'E_DATA', file: garbage });

    const whole = path.join(dir, 'whole.arrow');
    await writeAll(ipcSink, { path: whole }, table());
    const truncated = path.join(dir, 'truncated.arrow');
    await writeFile(truncated, (await readFile(whole)).subarray(0, 40));
    expect(await rejection(readAll(ipcSource, { path: truncated }))).toMatchObject({ code: 'E_TRUNCATED', file: truncated });

    const asStream = await rejection(readAll(ipcSource, { path: whole, format: 'stream' }));
    expect(asStream).toMatchObject({ code: 'E_DATA', file: whole });
    expect(asStream.message).toContain('use format: file or auto');
    const stream = path.join(dir, 'data.arrows');
    await writeAll(ipcSink, { path: stream, format: 'stream' }, table());
    const asFile = await rejection(readAll(ipcSource, { path: stream, format: 'file' }));
    expect(asFile).toMatchObject({ code: 'E_DATA', file: stream, expected: 'ARROW1 magic' });
  });

  it('parquet-source: garbage and a truncated file', async () => {
    const garbage = path.join(dir, 'garbage.parquet');
    await writeFile(garbage, 'PAR1 but not really a parquet file, sorry');
    // Starts with PAR1 but has no footer: reported as truncated (or not Parquet at all).
    expect(await rejection(readAll(parquetSource, { path: garbage }))).toMatchObject({ code: 'E_TRUNCATED', file: garbage });
    const whole = path.join(dir, 'whole.parquet');
    await writeAll(parquetSink, { path: whole }, table());
    const truncated = path.join(dir, 'truncated.parquet');
    await writeFile(truncated, (await readFile(whole)).subarray(0, 60));
    expect(await rejection(readAll(parquetSource, { path: truncated }))).toMatchObject({ code: 'E_TRUNCATED', file: truncated });
  });
});

describe('file-system failures are ConnectorErrors naming connector and path', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(async () => cleanup());

  for (const def of [csvSource, ipcSource, parquetSource]) {
    it(`${def.type}: a missing file`, async () => {
      const file = path.join(dir, 'nope', 'missing.dat');
      const err = await rejection(readAll(def, { path: file }));
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ code: 'E_CONNECTOR', connector: def.type, path: file });
      expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
      expect(err.message).toContain(file);
    });
  }

  for (const def of [csvSource, ipcSource, parquetSource]) {
    it(`${def.type}: a folder instead of a file`, async () => {
      const err = await rejection(readAll(def, { path: dir }));
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ connector: def.type, path: dir });
      expect((err.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
    });
  }

  it('relative paths resolve against ctx.baseDir', async () => {
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'sub', 'rel.csv'), 'a\n1\n');
    const { testContext } = await import('../helpers/context.js');
    const batches = await readAll(csvSource, { path: 'sub/rel.csv' }, testContext({ baseDir: dir }));
    expect(values(batches, 'a')).toEqual([1]);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file (skipped when run as root, who can read anything)', async () => {
    const file = path.join(dir, 'locked.csv');
    await writeFile(file, 'a\n1\n');
    await chmod(file, 0o000);
    const err = await rejection(readAll(csvSource, { path: file }));
    expect(err).toMatchObject({ connector: 'csv-source', path: file });
    expect((err.cause as NodeJS.ErrnoException).code).toBe('EACCES');
  });
});
