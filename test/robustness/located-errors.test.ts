import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, runPipeline } from '../../src/index.js';
import { validatePipelineValue } from '../../src/pipeline/spec.js';
import { captureLogger } from '../helpers/logger.js';

/** Robustness suite: float32 overflow, invalid UTF-8 and value-changing numbers name file, line and column. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lf-located-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (file: string, stages: Record<string, unknown>[] = [], source: Record<string, unknown> = {}) =>
  runPipeline(validatePipelineValue({ source: { type: 'csv-source', path: file, ...source }, stages, sink: { type: 'null-sink' } }, dir), { logger: captureLogger() });

describe('located errors (robustness)', () => {
  it('a finite feature value beyond float32 range names file, line and column and the value', async () => {
    const rows = Array.from({ length: 20 }, (_, r) => `${r},${r === 7 ? '1e39' : Math.sin(r)},${Math.cos(r)}`);
    await writeFile(path.join(dir, 'big.csv'), ['id,a,b', ...rows].join('\n') + '\n');
    const err = await read('big.csv', [{ type: 'pca-fit', id: 'm', features: ['a', 'b'], k: 1 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ file: path.join(dir, 'big.csv'), line: 9, column: 'a', received: '"1e39"' }); // the text as the file holds it (read as numeric text)
    expect((err as DataError).expected).toContain('float32 range');
  });

  it('invalid UTF-8 is a DataError with the line and byte offset, also past the first read chunk and after a split character', async () => {
    await writeFile(path.join(dir, 'latin1.csv'), Buffer.concat([Buffer.from('a,b\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const err = await read('latin1.csv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ line: 2 });
    expect((err as Error).message).toContain('byte offset 9');
    // 65535 bytes of lines, then "é" split across the 64 KiB chunk boundary (valid), then a lone 0xff.
    const filler = 'x,y\n'.repeat(16383) + 'xx,'; // 65535 bytes
    const bytes = Buffer.concat([Buffer.from(filler), Buffer.from('é\n', 'utf8'), Buffer.from('zz,'), Buffer.from([0xff]), Buffer.from('\n')]);
    await writeFile(path.join(dir, 'late.csv'), bytes);
    const late = await read('late.csv').catch((e: unknown) => e);
    expect(late).toBeInstanceOf(DataError);
    expect((late as Error).message).toContain(`byte offset ${65535 + 3 + 3}`);
    expect(late).toMatchObject({ line: 16385 });
  });

  it('after the inference window, a value float64 would change in an inferred float64 column is a DataError; respellings are counted once', async () => {
    const rows = Array.from({ length: 30 }, (_, r) => `${r},${r + 1}`);
    rows[20] = '20,0021';
    await writeFile(path.join(dir, 'late-zero.csv'), ['id,v', ...rows].join('\n') + '\n');
    const err = await read('late-zero.csv', [], { inferRows: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ line: 22, column: 'v', received: '"0021"' });
    expect((err as Error).message).toContain('inferRows');

    rows[20] = '20,21.0';
    rows[25] = '25,2.6e1';
    await writeFile(path.join(dir, 'respelled.csv'), ['id,v', ...rows].join('\n') + '\n');
    const summary = await read('respelled.csv', [], { inferRows: 10 });
    const source = summary.stages.find((s) => s.type === 'csv-source');
    expect(source?.stats).toMatchObject({ respelledCells: 2 });
  });
});
