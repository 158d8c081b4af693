import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Field, Float64, RecordBatch, RecordBatchFileWriter, Schema, Struct, makeData, tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, runPipeline } from '../../src/index.js';
import { definePipeline, loadPipelineFile, validatePipelineValue } from '../../src/pipeline/spec.js';
import { terminalText } from '../../src/cli/terminal-text.js';
import { buildCli, latentflow } from '../helpers/cli.js';

/** Robustness suite: any column name works; duplicates are a clear error; printed names are escaped. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lf-names-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NASTY = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'température', 'a,b', 'say "hi"', 'two\nlines'];
const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

describe('column names (robustness)', () => {
  it('columns named like object properties, unicode, commas, quotes and newlines are read, scored and written back', async () => {
    const rows = Array.from({ length: 40 }, (_, r) => NASTY.map((_, c) => Math.sin(r * (c + 1)).toFixed(4)).join(','));
    await writeFile(path.join(dir, 'nasty.csv'), [NASTY.map(quote).join(','), ...rows].join('\n') + '\n');
    const spec = (sink: Record<string, unknown>) =>
      validatePipelineValue(
        {
          source: { type: 'csv-source', path: 'nasty.csv', columns: { constructor: 'float64', toString: 'float64' } },
          stages: [
            { type: 'pca-fit', id: 'm', features: NASTY, k: 2, threshold: { method: 'contamination', value: 0.1 } },
            { type: 'score', model: 'm', featureErrors: true },
            { type: 'threshold', model: 'm' },
          ],
          sink,
        },
        dir,
      );
    await runPipeline(spec({ type: 'ipc-sink', path: 'nasty.arrow' }));
    const table = tableFromIPC(await readFile(path.join(dir, 'nasty.arrow')));
    expect(table.schema.fields.map((f) => f.name)).toEqual([...NASTY, 'score', ...NASTY.map((n) => `err_${n}`), 'is_anomaly']);
    expect(table.getChild('__proto__')!.get(1)).toBeCloseTo(Math.sin(2), 4);
    await runPipeline(spec({ type: 'csv-sink', path: 'nasty-out.csv' }));
    const text = await readFile(path.join(dir, 'nasty-out.csv'), 'utf8');
    expect(text.startsWith(`${NASTY.map(quote).join(',')},score,`)).toBe(true);
  });

  it('a YAML pipeline declaring __proto__ and constructor columns (types, features) reads them as declared and scores them', async () => {
    const rows = Array.from({ length: 40 }, (_, r) => `${String(r).padStart(3, '0')},${(r * 0.25).toFixed(2)},${r % 7},${Math.sin(r).toFixed(4)}`);
    await writeFile(path.join(dir, 'proto.csv'), ['id,__proto__,constructor,toString', ...rows].join('\n') + '\n');
    await writeFile(
      path.join(dir, 'proto.yaml'),
      [
        'source: { type: csv-source, path: proto.csv, columns: { __proto__: float32, constructor: int64, id: string } }',
        'stages:',
        '  - { type: pca-fit, id: m, features: [__proto__, constructor, toString], k: 1 }',
        '  - { type: score, model: m, featureErrors: true }',
        'sink: { type: ipc-sink, path: proto.arrow }',
      ].join('\n'),
    );
    const [spec] = await loadPipelineFile(path.join(dir, 'proto.yaml'));
    await runPipeline(spec);
    const table = tableFromIPC(await readFile(path.join(dir, 'proto.arrow')));
    const types = Object.fromEntries(table.schema.fields.map((f) => [`type of ${f.name}`, String(f.type)]));
    expect(types).toMatchObject({ 'type of id': 'Utf8', 'type of __proto__': 'Float32', 'type of constructor': 'Int64' });
    expect(table.getChild('id')!.get(7)).toBe('007');
    expect(table.getChild('__proto__')!.get(7)).toBeCloseTo(1.75, 6);
    expect(table.getChild('constructor')!.get(9)).toBe(2n);
    expect(Number(table.getChild('toString')!.get(3))).toBeCloseTo(Math.sin(3), 4);
    const errors = ['err___proto__', 'err_constructor', 'err_toString'].map((n) => table.getChild(n));
    expect(errors.every((c) => c !== null && c.length === 40)).toBe(true);
    expect(Array.from(table.getChild('score')!.toArray() as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('a duplicate header name is a DataError naming the name and both positions', async () => {
    await writeFile(path.join(dir, 'dup.csv'), 'a,b,a\n1,2,3\n');
    const err = await runPipeline(definePipeline({ source: { type: 'csv-source', path: 'dup.csv' }, sink: { type: 'null-sink' } }, dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ column: 'a', line: 1 });
    expect((err as Error).message).toContain('columns 1 and 3');
  });

  it('an empty header name reads as c<position>; one equal to another name is a duplicate naming both', async () => {
    await writeFile(path.join(dir, 'empty.csv'), 'x,,y\n1,2,3\n');
    await runPipeline(definePipeline({ source: { type: 'csv-source', path: 'empty.csv' }, sink: { type: 'csv-sink', path: 'empty-out.csv' } }, dir));
    expect((await readFile(path.join(dir, 'empty-out.csv'), 'utf8')).split('\n')[0]).toBe('x,c1,y');
    await writeFile(path.join(dir, 'empty2.csv'), 'c1,\n1,2\n');
    const err = await runPipeline(definePipeline({ source: { type: 'csv-source', path: 'empty2.csv' }, sink: { type: 'null-sink' } }, dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain('columns 1 and 2');
  });

  it('a duplicate name in an Arrow file schema is a DataError naming both positions', async () => {
    const fields = [new Field('v', new Float64()), new Field('w', new Float64()), new Field('v', new Float64())];
    const children = fields.map(() => makeData({ type: new Float64(), length: 1, data: new Float64Array([1]) }));
    const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 1, nullCount: 0, children }));
    const writer = new RecordBatchFileWriter();
    writer.write(batch);
    writer.finish();
    await writeFile(path.join(dir, 'dup.arrow'), writer.toUint8Array(true));
    const err = await runPipeline(definePipeline({ source: { type: 'ipc-source', path: 'dup.arrow' }, sink: { type: 'null-sink' } }, dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ column: 'v' });
    expect((err as Error).message).toContain('columns 1 and 3');
  });

  it('names printed to a terminal have their control characters escaped', () => {
    const printed = terminalText('column "a\u001b[2Jb\u202e\u0007" missing\nnext');
    expect(printed).toBe('column "a\\x1b[2Jb\\u202e\\x07" missing\\nnext');
    // eslint-disable-next-line no-control-regex
    expect(/[\u0000-\u001f\u007f-\u009f]/.test(printed)).toBe(false);
  });

  it('the CLI prints an error naming a column with control characters without raw control characters', async () => {
    buildCli();
    await writeFile(path.join(dir, 'esc.csv'), 'x\u001b[2J,x\u001b[2J\n1,2\n');
    await writeFile(path.join(dir, 'esc.yaml'), 'source: { type: csv-source, path: esc.csv }\nsink: { type: null-sink }\n');
    const result = await latentflow(['run', 'esc.yaml'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('x\\x1b[2J');
    expect(result.stderr.includes('\u001b')).toBe(false);
  });
});
