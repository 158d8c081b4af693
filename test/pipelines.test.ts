import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rocAuc } from '../src/models/metrics.js';
import { runPipeline } from '../src/pipeline/runner.js';
import { loadPipelineFile } from '../src/pipeline/spec.js';

/** Every file in pipelines/ is validated and run, from a copy of the repo layout in a temp directory. */
const repo = path.resolve(import.meta.dirname, '..');
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'latentflow-pipelines-'));
  await cp(path.join(repo, 'pipelines'), path.join(root, 'pipelines'), { recursive: true });
  await cp(path.join(repo, 'data'), path.join(root, 'data'), { recursive: true });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const files = await readdir(path.join(repo, 'pipelines'));

describe('pipelines/', () => {
  for (const name of files.filter((f) => /\.ya?ml$/.test(f))) {
    it(`${name} validates and runs`, async () => {
      const specs = await loadPipelineFile(path.join(root, 'pipelines', name));
      for (const spec of specs) {
        const summary = await runPipeline(spec);
        expect(summary.rows).toBeGreaterThan(0);
      }
    });
  }

  it('quickstart.yaml scores the new readings and ranks the labelled faults on top', async () => {
    const csv = await readFile(path.join(root, 'out/quickstart/new-scored.csv'), 'utf8');
    const [header, ...rows] = csv.trim().split('\n');
    const cols = header.split(',');
    expect(rows.length).toBe(2000);
    expect(cols).toEqual(expect.arrayContaining(['id', 'label', 'score', 'is_anomaly', 'z0', 'z1', 'z2', 'err_power']));
    const at = (c: string) => cols.indexOf(c);
    const scores = rows.map((r) => Number(r.split(',')[at('score')]));
    const labels = rows.map((r) => r.split(',')[at('label')] === 'anomaly');
    expect(rocAuc(scores, labels)).toBeGreaterThan(0.97);
  });
});
