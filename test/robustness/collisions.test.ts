import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, runPipeline } from '../../src/index.js';
import { validatePipelineValue } from '../../src/pipeline/spec.js';

/** Robustness suite: an output column never silently replaces an input column of the same name. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lf-collide-'));
  const rows = Array.from({ length: 60 }, (_, r) => [`id${r}`, Math.sin(r).toFixed(4), Math.cos(r).toFixed(4), (r % 7) / 7, r % 2 === 0, 1000 + r].join(','));
  // The input already has columns named like the outputs: score, is_anomaly, z0 (a feature here).
  await writeFile(path.join(dir, 'in.csv'), ['id,a,b,z0,is_anomaly,score', ...rows].join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(stages: Record<string, unknown>[], sink: Record<string, unknown> = { type: 'null-sink' }) {
  const fit = { type: 'pca-fit', id: 'm', features: ['a', 'b', 'z0'], k: 1, threshold: { method: 'contamination', value: 0.1 } };
  return runPipeline(validatePipelineValue({ source: { type: 'csv-source', path: 'in.csv' }, stages: [fit, ...stages], sink }, dir));
}

describe('name collisions (robustness)', () => {
  it.each([
    ['score', [{ type: 'score', model: 'm' }], 'score'],
    ['threshold', [{ type: 'score', model: 'm', column: 's' }, { type: 'threshold', model: 'm', scoreColumn: 's' }], 'is_anomaly'],
    ['encode', [{ type: 'encode', model: 'm' }], 'z0'],
    ['score featureErrors', [{ type: 'score', model: 'm', column: 's', featureErrorPrefix: '', featureErrors: true }], 'a'],
  ])('%s refuses to replace an input column and names it and outputPrefix', async (_name, stages, column) => {
    const err = await run(stages).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err).toMatchObject({ column });
    expect((err as Error).message).toContain(`"${column}"`);
    expect((err as Error).message).toContain('outputPrefix');
  });

  it('outputPrefix keeps the input columns and adds prefixed outputs that later stages read', async () => {
    await run(
      [
        { type: 'score', model: 'm', outputPrefix: 'lf_' },
        { type: 'threshold', model: 'm', scoreColumn: 'lf_score', outputPrefix: 'lf_' },
        { type: 'encode', model: 'm', outputPrefix: 'lf_' },
      ],
      { type: 'csv-sink', path: 'out.csv' },
    );
    const lines = (await readFile(path.join(dir, 'out.csv'), 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('id,a,b,z0,is_anomaly,score,lf_score,lf_is_anomaly,lf_z0');
    const input = (await readFile(path.join(dir, 'in.csv'), 'utf8')).trimEnd().split('\n');
    // The input's own z0, is_anomaly and score columns are unchanged.
    for (let r = 1; r < input.length; r++) expect(lines[r].split(',').slice(0, 6).join(','), `line ${r + 1}`).toBe(input[r]);
  });
});
