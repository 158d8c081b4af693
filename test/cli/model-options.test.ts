import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, latentflow } from '../helpers/cli.js';

/**
 * Options that would do nothing are errors, and `score` can override the threshold (issue 17 item 5);
 * `list` shows nested option blocks.
 */
const repo = path.resolve(import.meta.dirname, '../..');
let dir: string;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-model-options-'));
  const lines = (await readFile(path.join(repo, 'data/quickstart/train.csv'), 'utf8')).split('\n');
  await writeFile(path.join(dir, 'train.csv'), `${lines.slice(0, 401).join('\n')}\n`);
  const fit = await latentflow(['fit', '-i', 'train.csv', '-m', 'pca', '--type', 'pca', '--k', '3', '--exclude', 'id', '--no-progress', '--log-level', 'silent'], dir);
  expect(fit.code, fit.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Scores of train.csv with the PCA model and the given extra flags; the flag column as 0/1 numbers. */
async function scoreWith(...flags: string[]) {
  const run = await latentflow(['score', '-i', 'train.csv', '-m', 'pca', '-o', 'out.arrow', '--no-progress', '--log-level', 'silent', ...flags], dir);
  expect(run.code, run.stderr).toBe(0);
  const table = tableFromIPC(await readFile(path.join(dir, 'out.arrow')));
  const scores = Array.from(table.getChild('score')!.toArray() as Float32Array, Number);
  const flagged = Array.from(table.getChild('is_anomaly')!, (v): number => (v ? 1 : 0));
  return { scores, flagged };
}

describe('fit: options of the other model family', () => {
  it.each([
    [['--type', 'pca', '--code-size', '3'], '--code-size applies to --type autoencoder, not pca'],
    [['--type', 'pca', '--epochs', '5', '--hidden', '8'], '--hidden, --epochs apply to --type autoencoder, not pca'],
    [['--k', '2'], '--k applies to --type pca, not autoencoder'],
  ])('fit %j exits 2 with one line naming the flag', async (flags, message) => {
    const run = await latentflow(['fit', '-i', 'train.csv', '-m', 'never', ...flags], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    await expect(readFile(path.join(dir, 'never', 'latentflow.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('score --threshold', () => {
  it('fixed=V flags exactly the rows scoring above V instead of the saved threshold', async () => {
    const saved = await scoreWith();
    const sorted = [...saved.scores].sort((a, b) => b - a);
    const cut = (sorted[19] + sorted[20]) / 2;
    const { scores, flagged } = await scoreWith('--threshold', `fixed=${cut}`);
    expect(flagged).toEqual(scores.map((s) => (s > cut ? 1 : 0)));
    expect(flagged.reduce((n, f) => n + f, 0)).toBe(20);
    expect(saved.flagged.reduce((n, f) => n + f, 0)).toBe(4); // the saved contamination 0.01 of 400 rows
  });

  it('contamination=F is fitted on the scores of the rows scored', async () => {
    const { flagged } = await scoreWith('--threshold', 'contamination=0.1');
    expect(flagged.reduce((n, f) => n + f, 0)).toBe(40);
  });

  it('with --no-flag is an error: there is no flag to cut', async () => {
    const run = await latentflow(['score', '-i', 'train.csv', '-m', 'pca', '-o', 'x.csv', '--no-flag', '--threshold', 'fixed=1'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--threshold sets the cut-off of is_anomaly, which --no-flag leaves out');
  });
});

describe('list', () => {
  it("shows the options inside nested blocks: the autoencoder's model block and each variant's keys", async () => {
    const run = await latentflow(['list'], dir);
    expect(run.code).toBe(0);
    const block = run.stdout.slice(run.stdout.indexOf('autoencoder-fit (transform)'), run.stdout.indexOf('pca-fit (transform)'));
    expect(block).toMatch(/\n {4}model: object {2}Autoencoder network and training options\n {8}hiddenUnits: integer\[\]/);
    expect(block).toMatch(/\n {8}codeSize: integer {2}Code \(bottleneck\) width/);
    expect(block).toMatch(/\n {12}type: "gaussian" \(required\) {2}Additive Gaussian noise\n {12}sigma: number/);
    expect(block).toMatch(/\n {4}threshold: .* = \{"method":"contamination","value":0\.01\}/);
  });
});
