import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeVector, vectorFromArray, Utf8, Dictionary, Int32, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSink } from '../../src/connectors/csv-sink.js';
import { csvSource } from '../../src/connectors/csv-source.js';
import { ipcSink } from '../../src/connectors/ipc-sink.js';
import { ipcSource } from '../../src/connectors/ipc-source.js';
import { nullSink } from '../../src/connectors/null-sink.js';
import { parquetSink } from '../../src/connectors/parquet-sink.js';
import { parquetSource } from '../../src/connectors/parquet-source.js';
import { DataError } from '../../src/errors.js';
import { rowLocation } from '../../src/io/batch-meta.js';
import { testContext } from '../helpers/context.js';
import { captureLogger } from '../helpers/logger.js';
import { batchOf, readAll, rejection, tempDir, typesOf, values, writeAll } from './helpers.js';

/**
 * Edge cases of the file connectors that the format round trips do not reach: the exact errors for damaged
 * or mismatched files, the csv-source warnings and counters, csv-sink options, and what every sink reports.
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
const xs = (...v: number[]) => batchOf({ x: makeVector(Float64Array.from(v)) });

describe('csv-source', () => {
  it('a value that does not fit an inferred column gives the full advice, naming inferRows and the column', async () => {
    const file = await csv('infer.csv', 'id,x\na,1\nb,2\nc,oops\n');
    const err = await rejection(readAll(csvSource, { path: file, inferRows: 2 }));
    expect(err.message).toBe(
      `file ${file}, line 4, column "x": csv-source: value does not fit the column type; the column was inferred as float64 from the first 2 rows; declare the column as string in \`columns\` (columns: { "x": string }) (expected ${(err as DataError).expected}, received "oops")`,
    );
  });

  it('a value float64 would change after the window is a DataError; a respelled one is kept, counted and warned about once', async () => {
    const changing = await csv('changing.csv', 'x\n1\n2\n007\n');
    const err = await rejection(readAll(csvSource, { path: changing, inferRows: 2 }));
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ line: 4, column: 'x', received: '"007"', expected: 'a number float64 writes back unchanged' });
    expect(err.message).toContain('csv-source: the column was inferred as float64 from the first 2 rows, but this value would not survive as float64');
    expect(err.message).toContain('(columns: { "x": string }) or raise `inferRows`');

    const respelled = await csv('respelled.csv', 'x,y\n1,a\n2,b\n2.0,c\n1e3,d\n5,e\n');
    const logger = captureLogger();
    const source = csvSource.create(csvSource.params.parse({ path: respelled, inferRows: 2, batchRows: 2 }), testContext({ logger }));
    const batches: RecordBatch[] = [];
    for await (const b of source.batches()) batches.push(b);
    await source.close();
    expect(values(batches, 'x')).toEqual([1, 2, 2, 1000, 5]);
    expect((source as unknown as { stats: () => Record<string, unknown> }).stats()).toEqual({ respelledCells: 2 });
    const warnings = logger.records.filter((r) => r.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toBe(
      'csv-source: 2 cells of columns inferred as float64 are numbers written otherwise than they will be written out (first: line 4, column "x", "2.0"); the values are kept. To keep the text, declare the column as string in `columns` or raise `inferRows`',
    );
    expect(warnings[0].fields).toMatchObject({ file: respelled, respelledCells: 2, firstLine: 4, firstColumn: 'x', firstText: '2.0' });
  });

  it('a declared float64 column is not checked for respelling', async () => {
    const file = await csv('declared.csv', 'x\n1\n2.0\n');
    const logger = captureLogger();
    const batches = await readAll(csvSource, { path: file, inferRows: 1, columns: { x: 'float64' } }, testContext({ logger }));
    expect(values(batches, 'x')).toEqual([1, 2]);
    expect(logger.records.filter((r) => r.level === 'warn')).toEqual([]);
  });

  it('columns without a value in the inference window are float64 with one warning naming them', async () => {
    const file = await csv('empty-col.csv', 'a,b,c\n1,,x\n2,NA,y\n');
    const logger = captureLogger();
    const batches = await readAll(csvSource, { path: file }, testContext({ logger }));
    expect(typesOf(batches[0])).toEqual(['a: Float64', 'b: Float64', 'c: Utf8']);
    const warning = logger.records.find((r) => r.level === 'warn');
    expect(warning?.msg).toBe('csv-source: columns with no value in the first 2 rows are read as float64; declare their type in `columns` if they hold text');
    expect(warning?.fields).toMatchObject({ file, columns: ['b'], inferRows: 1000 });
    // A declared column is never "empty" for this warning.
    const quiet = captureLogger();
    await readAll(csvSource, { path: file, columns: { b: 'string' } }, testContext({ logger: quiet }));
    expect(quiet.records.filter((r) => r.level === 'warn')).toEqual([]);
    // Null texts are trimmed before the check.
    const spaced = await csv('spaced-null.csv', 'a,b\n1, NA \n');
    expect(typesOf((await readAll(csvSource, { path: spaced }))[0])).toEqual(['a: Float64', 'b: Float64']);
  });

  it('blank lines before the header are skipped; a header-only file gives one zero-row batch with its columns', async () => {
    const file = await csv('blank-first.csv', '\n\nname,v\nq,1\n\nr,2\n');
    const batches = await readAll(csvSource, { path: file });
    expect(values(batches, 'name')).toEqual(['q', 'r']);
    expect(rowLocation(batches[0], 0, 0).line).toBe(4);
    expect(batches[0].schema.metadata.get('latentflow.lines')).toBe('4,6');
  });

  it('batches of exactly batchRows after the inference window, with the first row and line of each', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => `${i}`);
    const file = await csv('batches.csv', `v\n${rows.join('\n')}\n`);
    const batches = await readAll(csvSource, { path: file, inferRows: 5, batchRows: 2 });
    expect(batches.map((b) => b.numRows)).toEqual([2, 2, 2, 1]);
    expect(batches.map((b) => rowLocation(b, 0, 0).line)).toEqual([2, 4, 6, 8]);
    expect(batches.map((b) => b.schema.metadata.get('latentflow.firstRow'))).toEqual(['0', '2', '4', '6']);
  });

  it('a wrong field count names the delimiter to quote', async () => {
    const file = await csv('semi.csv', 'a;b\n1;2;3\n');
    const err = await rejection(readAll(csvSource, { path: file, delimiter: ';' }));
    expect(err.message).toBe(
      `file ${file}, line 2: csv-source: record has the wrong number of fields; quote values that contain ";" or fix the missing/extra fields (expected 2 fields, received 3 fields)`,
    );
  });

  it('a duplicate name made from an empty header cell says so', async () => {
    const file = await csv('dup-empty.csv', 'c1,\n1,2\n');
    const err = await rejection(readAll(csvSource, { path: file }));
    expect(err.message).toContain('duplicate column name "c1" in the header at columns 1 and 2 (column 2 has an empty name, read as c1); rename one of them');
    expect(err).toMatchObject({ line: 1, column: 'c1', expected: 'unique column names', received: '["c1",""]' });
  });

  it('a declared column missing from the file lists the columns the file has', async () => {
    const file = await csv('declared-missing.csv', 'a,b\n1,2\n');
    const err = await rejection(readAll(csvSource, { path: file, columns: { zz: 'int32' } }));
    expect(err.message).toBe(`file ${file}, column "zz": csv-source: column "zz" declared in \`columns\` is not in the file; the file has: a, b`);
  });

  it('malformed quoting names the column of the failing field; an unclosed quote names the line', async () => {
    const stray = await csv('stray.csv', 'id,name\n1,ok\n2,bad"quote\n');
    const err = await rejection(readAll(csvSource, { path: stray }));
    expect(err).toMatchObject({ file: stray, line: 3, column: 'name' });
    expect(err.message).toMatch(/csv-source: malformed quoting in the record starting here \(.+\); quote the whole value and double quotes inside it \(""\)$/);
    const open = await csv('open.csv', 'id,name\n1,"never\n');
    const unclosed = await rejection(readAll(csvSource, { path: open }));
    expect(unclosed.message).toBe(
      `file ${open}, line 2: csv-source: a quoted value opened in the record starting here is never closed; close the quote, and double quotes inside quoted values ("")`,
    );
    // Without a header the failing column is named c<i>.
    const noHeader = await csv('stray-nh.csv', '1,ok\n2,bad"q\n');
    expect(await rejection(readAll(csvSource, { path: noHeader, hasHeader: false }))).toMatchObject({ line: 2, column: 'c1' });
  });
});

describe('csv-sink', () => {
  it('writes with the chosen delimiter, without a header when asked, and quotes a lone CR', async () => {
    const batch = batchOf({ a: vectorFromArray(['x;y', 'cr\rhere']), b: makeVector(Float64Array.from([1, 2])) });
    const summary = await writeAll(csvSink, { path: at('semi.csv'), delimiter: ';', hasHeader: false }, [batch]);
    expect(summary).toEqual({ rows: 2, batches: 1, target: at('semi.csv') });
    expect(await readFile(at('semi.csv'), 'utf8')).toBe('"x;y";1\n"cr\rhere";2\n');
  });

  it('counts only batches with rows, logs what it wrote, and writes the header once', async () => {
    const logger = captureLogger();
    const summary = await writeAll(csvSink, { path: at('counted.csv') }, [xs(), xs(1, 2), xs(), xs(3)], testContext({ logger }));
    expect(summary).toEqual({ rows: 3, batches: 2, target: at('counted.csv') });
    expect(await readFile(at('counted.csv'), 'utf8')).toBe('x\n1\n2\n3\n');
    const info = logger.records.find((r) => r.level === 'info');
    expect(info?.msg).toBe(`csv-sink: wrote 3 rows to ${at('counted.csv')}`);
    expect(info?.fields).toMatchObject({ file: at('counted.csv'), rows: 3, batches: 2 });
  });

  it('a column missing from a later batch names the batch and both column lists, with advice for each case', async () => {
    const first = batchOf({ x: makeVector(Float64Array.from([1])), y: makeVector(Float64Array.from([2])) });
    const err = await rejection(writeAll(csvSink, { path: at('missing.csv') }, [first, xs(5)]));
    expect(err.message).toBe(
      `file ${at('missing.csv')}, batch 1, column "y": csv-sink: column "y" is not in the batch; every batch needs the columns of the first batch (expected columns [x, y], received columns [x])`,
    );
    const chosen = await rejection(writeAll(csvSink, { path: at('chosen.csv'), columns: ['x', 'nope'] }, [xs(1)]));
    expect(chosen.message).toContain('csv-sink: column "nope" is not in the batch; remove it from `columns`');
    expect(chosen.message).toContain('batch 0');
  });
});

describe('null-sink', () => {
  it('drains every batch and reports rows and batches (zero-row batches included)', async () => {
    expect(await writeAll(nullSink, {}, [xs(1, 2), xs(), xs(3)])).toEqual({ rows: 3, batches: 3, target: 'null' });
    expect(await writeAll(nullSink, {}, [])).toEqual({ rows: 0, batches: 0, target: 'null' });
  });

  it('is a sink', () => {
    expect(nullSink.create({}, testContext()).kind).toBe('sink');
  });
});

describe('ipc connectors', () => {
  it('a truncated IPC file names its size and the bytes found where the footer should be', async () => {
    const whole = at('whole.arrow');
    await writeAll(ipcSink, { path: whole }, [xs(1, 2, 3)]);
    const bytes = await readFile(whole);
    const cut = at('cut.arrow');
    await writeFile(cut, bytes.subarray(0, bytes.length - 3));
    const err = await rejection(readAll(ipcSource, { path: cut }));
    expect(err).toMatchObject({ code: 'E_TRUNCATED', expected: 'ARROW1 at the end of the file' });
    expect(err.message).toContain(
      `ipc-source: the Arrow IPC file is truncated: it starts with ARROW1 but does not end with the ARROW1 footer (${bytes.length - 3} bytes); it was cut short, is still being written, or is not an Arrow IPC file`,
    );
    expect((err as DataError).received).toBe(`bytes 0x${bytes.subarray(bytes.length - 9, bytes.length - 3).toString('hex')}`);
    // Just the magic: too short to hold a footer, whatever it ends with.
    const tiny = at('tiny.arrow');
    await writeFile(tiny, 'ARROW1\0\0ARROW1');
    expect(await rejection(readAll(ipcSource, { path: tiny }))).toMatchObject({ code: 'E_TRUNCATED' });
  });

  it('a file that is not IPC at all is "not a readable Arrow IPC file or stream" (auto) or names the wanted format', async () => {
    const junk = at('junk.arrows');
    await writeFile(junk, 'hello, this is plainly text and not an Arrow stream of any kind');
    const auto = await rejection(readAll(ipcSource, { path: junk }));
    expect(auto.message).toMatch(/ipc-source: not a readable Arrow IPC stream \(no valid schema at its start\): /);
    const asFile = await rejection(readAll(ipcSource, { path: junk, format: 'file' }));
    expect(asFile.message).toContain('ipc-source: not an Arrow IPC file (it does not start with ARROW1); if it is an IPC stream (.arrows) use format: stream or auto');
    expect((asFile as DataError).received).toBe(JSON.stringify('hello,'));
  });

  it('a stream cut inside a record batch is E_TRUNCATED naming the batch and the rows read before it', async () => {
    const stream = at('two.arrows');
    await writeAll(ipcSink, { path: stream, format: 'stream' }, [xs(1, 2), xs(3, 4, 5, 6, 7, 8, 9, 10)]);
    const bytes = await readFile(stream);
    const cut = at('two-cut.arrows');
    await writeFile(cut, bytes.subarray(0, bytes.length - 40));
    const err = await rejection(readAll(ipcSource, { path: cut }));
    expect(err).toMatchObject({ code: 'E_TRUNCATED', batch: 1 });
    expect(err.message).toContain('ipc-source: the Arrow IPC stream is truncated or damaged at record batch 1 (2 rows in 1 batches read before it)');
    expect(err.message).toContain('; the file was cut short or corrupted, write it again');
  });

  it('ipc-sink counts only batches with rows, writes the schema of zero-row batches, and re-slices on read', async () => {
    const logger = captureLogger();
    const file = at('counted.arrow');
    const summary = await writeAll(ipcSink, { path: file }, [xs(), xs(1, 2, 3), xs(4)], testContext({ logger }));
    expect(summary).toEqual({ rows: 4, batches: 2, target: file });
    expect(logger.records.find((r) => r.level === 'info')?.msg).toBe(`ipc-sink: wrote 4 rows to ${file}`);
    expect(logger.records.find((r) => r.level === 'info')?.fields).toMatchObject({ format: 'file', rows: 4, batches: 2 });
    const stored = await readAll(ipcSource, { path: file });
    expect(stored.map((b) => b.numRows)).toEqual([3, 1]);
    const sliced = await readAll(ipcSource, { path: file, batchRows: 2 });
    expect(sliced.map((b) => b.numRows)).toEqual([2, 2]);
    expect(sliced.map((b) => b.schema.metadata.get('latentflow.firstRow'))).toEqual(['0', '2']);
    expect(values(sliced, 'x')).toEqual([1, 2, 3, 4]);
    const empty = at('schema-only.arrows');
    expect(await writeAll(ipcSink, { path: empty, format: 'stream' }, [xs()])).toEqual({ rows: 0, batches: 0, target: empty });
    const back = await readAll(ipcSource, { path: empty });
    expect(back.map((b) => b.numRows)).toEqual([0]);
    expect(typesOf(back[0])).toEqual(['x: Float64']);
  });

  it('dictionary columns from separately built batches keep their values through ipc and parquet', async () => {
    const dict = (words: string[]) => {
      const v = vectorFromArray(words, new Dictionary(new Utf8(), new Int32()));
      return batchOf({ w: v });
    };
    for (const [sink, source, name] of [
      [ipcSink, ipcSource, 'dict.arrow'],
      [parquetSink, parquetSource, 'dict.parquet'],
    ] as const) {
      await writeAll(sink, { path: at(name) }, [dict(['a', 'b', 'a']), dict(['c', 'a'])]);
      const back = await readAll(source, { path: at(name) });
      expect(values(back, 'w')).toEqual(['a', 'b', 'a', 'c', 'a']);
    }
  });
});

describe('parquet connectors', () => {
  it('a file not starting with PAR1 names the bytes; one cut short names the size and the closing bytes', async () => {
    const text = at('text.parquet');
    await writeFile(text, 'definitely not parquet');
    const err = await rejection(readAll(parquetSource, { path: text }));
    expect(err.message).toContain('parquet-source: not a Parquet file: it does not start with PAR1 (22 bytes)');
    expect(err).toMatchObject({ expected: 'PAR1 at the start', received: `bytes 0x${Buffer.from('defi').toString('hex')}` });
    const whole = at('whole.parquet');
    await writeAll(parquetSink, { path: whole }, [xs(1, 2, 3)]);
    const bytes = await readFile(whole);
    const cut = at('cut.parquet');
    await writeFile(cut, bytes.subarray(0, bytes.length - 1));
    const truncated = await rejection(readAll(parquetSource, { path: cut }));
    expect(truncated.message).toContain(`parquet-source: the Parquet file is truncated: it starts with PAR1 but does not end with the PAR1 footer (${bytes.length - 1} bytes)`);
    expect((truncated as DataError).received).toBe(`bytes 0x${bytes.subarray(bytes.length - 5, bytes.length - 1).toString('hex')}`);
    const short = at('short.parquet');
    await writeFile(short, 'PAR1PAR1');
    const tooShort = await rejection(readAll(parquetSource, { path: short }));
    expect(tooShort).toMatchObject({ code: 'E_TRUNCATED', received: 'bytes 0x00000000' });
  });

  it('a damaged footer is "not a readable Parquet file"', async () => {
    const whole = await readFile(at('whole.parquet'));
    const damaged = Buffer.from(whole);
    // Overwrite the footer metadata (just before the 4-byte length and the closing PAR1).
    damaged.fill(0xff, damaged.length - 40, damaged.length - 8);
    await writeFile(at('footer.parquet'), damaged);
    const err = await rejection(readAll(parquetSource, { path: at('footer.parquet') }));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/parquet-source: (not a readable Parquet file \(its footer metadata is damaged\)|cannot read the Parquet data)/);
  });

  it('parquet-sink writes row groups of rowGroupRows, counts batches with rows, and logs the codec', async () => {
    const logger = captureLogger();
    const file = at('groups.parquet');
    const summary = await writeAll(parquetSink, { path: file, rowGroupRows: 2, compression: 'gzip' }, [xs(), xs(1, 2, 3), xs(4, 5)], testContext({ logger }));
    expect(summary).toEqual({ rows: 5, batches: 2, target: file });
    const info = logger.records.find((r) => r.level === 'info');
    expect(info?.msg).toBe(`parquet-sink: wrote 5 rows to ${file}`);
    expect(info?.fields).toMatchObject({ rows: 5, batches: 2, compression: 'gzip' });
    const back = await readAll(parquetSource, { path: file, batchRows: 100 });
    expect(values(back, 'x')).toEqual([1, 2, 3, 4, 5]);
    expect(back.map((b) => b.schema.metadata.get('latentflow.firstRow'))).toEqual(['0']);
    const small = await readAll(parquetSource, { path: file, batchRows: 2 });
    expect(small.map((b) => b.numRows)).toEqual([2, 2, 1]);
  });

  it('an input with only zero-row batches writes a file with their columns and logs an empty file', async () => {
    const logger = captureLogger();
    const file = at('empty.parquet');
    expect(await writeAll(parquetSink, { path: file }, [xs(), xs()], testContext({ logger }))).toEqual({ rows: 0, batches: 0, target: file });
    expect(logger.records.find((r) => r.level === 'info')?.msg).toBe(`parquet-sink: wrote an empty file ${file}`);
    expect(logger.records.find((r) => r.level === 'info')?.fields).toMatchObject({ file, rows: 0 });
    const back = await readAll(parquetSource, { path: file });
    expect(back.map((b) => b.numRows)).toEqual([0]);
    expect(typesOf(back[0])).toEqual(['x: Float64']);
  });

  it('a later batch of another schema fails the write and leaves no file', async () => {
    const file = at('mixed.parquet');
    const other = batchOf({ x: vectorFromArray(['a']) });
    const err = await rejection(writeAll(parquetSink, { path: file }, [xs(1), other]));
    expect(err).toBeInstanceOf(DataError);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });
});
