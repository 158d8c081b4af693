import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, latentflow } from '../helpers/cli.js';

/** `--plugin`: user stages registered by a module the CLI imports first, then used in a pipeline file. */
const repo = path.resolve(import.meta.dirname, '../..');
const dist = pathToFileURL(path.join(repo, 'dist/index.js')).href;
let dir: string;

beforeAll(async () => {
  buildCli();
  // Inside the checkout (.cache/, ignored by git), so the plugin's own `import 'zod'` resolves as in a user's project.
  await mkdir(path.join(repo, '.cache'), { recursive: true });
  dir = await mkdtemp(path.join(repo, '.cache', 'plugin-test-'));
  // What a user's plugin looks like, importing latentflow as the CLI does (here: the built package).
  await writeFile(
    path.join(dir, 'stages.mjs'),
    `import { defineStage, registerStage } from '${dist}';
import { z } from 'zod';
registerStage(defineStage({
  type: 'keep-first',
  kind: 'transform',
  description: 'Keeps the first n rows (user plugin)',
  params: z.strictObject({ n: z.number().int().positive().describe('rows kept') }),
  create(p) {
    return {
      kind: 'transform',
      async *transform(input) {
        let left = p.n;
        for await (const batch of input) {
          if (left <= 0) return;
          yield batch.numRows <= left ? batch : batch.slice(0, left);
          left -= batch.numRows;
        }
      },
      async close() {},
    };
  },
}));
`,
  );
  await writeFile(path.join(dir, 'in.csv'), 'id,a\nx,1\ny,2\nz,3\n');
  await writeFile(path.join(dir, 'p.yaml'), 'source: { type: csv-source, path: in.csv }\nstages:\n  - { type: keep-first, n: 2 }\nsink: { type: csv-sink, path: out.csv }\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--plugin', () => {
  it('runs a pipeline file that names a stage the plugin registered', async () => {
    const run = await latentflow(['run', 'p.yaml', '--plugin', './stages.mjs', '--log-level', 'silent'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(path.join(dir, 'out.csv'), 'utf8')).toBe('id,a\nx,1\ny,2\n');
  });

  it('validate checks its params and list shows it', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'source: { type: csv-source, path: in.csv }\nstages:\n  - { type: keep-first, n: 0 }\nsink: { type: null-sink }\n');
    const bad = await latentflow(['--plugin', './stages.mjs', 'validate', 'bad.yaml'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.yaml:3:\d+: .*n/);
    const list = await latentflow(['list', '--plugin', './stages.mjs'], dir);
    expect(list.stdout).toContain('keep-first (transform): Keeps the first n rows (user plugin)\n    n: integer (required)  rows kept');
  });

  it('without the plugin the stage is unknown; a plugin that does not load is one line, exit 2', async () => {
    const without = await latentflow(['run', 'p.yaml'], dir);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('unknown stage type "keep-first"');
    const missing = await latentflow(['run', 'p.yaml', '--plugin', './nope.mjs'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^latentflow: error: --plugin \.\/nope\.mjs: cannot load it \(Cannot find module/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
