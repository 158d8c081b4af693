import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePipelines, registerStage, runPipeline, stageDefinition, stageTypes } from '../../src/index.js';
import { csvSource } from '../../src/connectors/csv-source.js';
import { registerRowNumber, rowNumber } from '../fixtures/row-number-stage.js';

/** User stages (issue 17 item 3): registered once, then used by type like a built-in stage. */
let dir: string;

beforeAll(async () => {
  registerRowNumber();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-register-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('registerStage', () => {
  it('makes a user stage available by its type in YAML, where it runs between built-in stages', async () => {
    expect(stageDefinition('row-number')).toBe(rowNumber);
    expect(stageTypes('transform')).toContain('row-number');
    await writeFile(path.join(dir, 'in.csv'), 'id,a\nx,1\ny,2\nz,3\n');
    const yaml = ['source: { type: csv-source, path: in.csv, batchRows: 2 }', 'stages:', '  - { type: row-number, column: n }', 'sink: { type: csv-sink, path: out.csv }'].join('\n');
    const [spec] = parsePipelines(yaml, path.join(dir, 'pipeline.yaml'));
    await runPipeline(spec);
    expect(await readFile(path.join(dir, 'out.csv'), 'utf8')).toBe('id,a,n\nx,1,0\ny,2,1\nz,3,2\n');
  });

  it("validates the user stage's params like a built-in's: a typo is a SpecError at its line and column", () => {
    const yaml = ['source: { type: csv-source, path: in.csv }', 'stages:', '  - type: row-number', '    colum: n', 'sink: { type: null-sink }'].join('\n');
    expect(() => parsePipelines(yaml, path.join(dir, 'typo.yaml'))).toThrow(expect.objectContaining({ code: 'E_SPEC', line: 4, column: 5 }));
  });

  it('refuses a taken type, a built-in name, a name that is not lower-case-hyphenated, and a definition without params', () => {
    expect(() => registerStage(rowNumber)).toThrow(expect.objectContaining({ code: 'E_STAGE_DEFINITION', message: expect.stringContaining('already registered') }));
    expect(() => registerStage({ ...csvSource })).toThrow(/"csv-source" is already registered/);
    expect(() => registerStage({ ...rowNumber, type: 'Row Number' })).toThrow(/lower-case hyphenated/);
    expect(() => registerStage({ ...rowNumber, type: 'row-number-2', params: undefined as never })).toThrow(/needs a zod `params` schema/);
    expect(stageDefinition('row-number-2')).toBeUndefined();
  });
});
