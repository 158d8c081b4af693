import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitSpec } from '../../src/cli/fit.js';
import { buildCli, latentflow } from '../helpers/cli.js';

const repo = path.resolve(import.meta.dirname, '../..');
let dir: string;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-training-options-'));
  // 300 rows: 270 train, batch 256, so 2 steps an epoch.
  const lines = (await readFile(path.join(repo, 'data/quickstart/train.csv'), 'utf8')).split('\n');
  await writeFile(path.join(dir, 'small.csv'), `${lines.slice(0, 301).join('\n')}\n`);
  await copyFile(path.join(repo, 'data/quickstart/new.csv'), path.join(dir, 'new.csv'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { input: 'train.csv', model: 'model', type: 'autoencoder', threshold: { method: 'contamination', value: 0.01 } } as const;

describe('fit training options', () => {
  it('--max-steps, --max-seconds, --patience and --trim become the model block, amending --config', async () => {
    const spec = await fitSpec({ ...base, maxSteps: 500, maxSeconds: 2.5, patience: 3, trim: 0.1 } as never);
    expect(spec.stages[0].params.model).toMatchObject({ budget: { steps: 500, seconds: 2.5 }, earlyStopping: { patience: 3 }, trim: 0.1 });
    const file = path.join(dir, 'model.yaml');
    await writeFile(file, 'budget: { seconds: 9 }\nearlyStopping: { minRelativeDelta: 0.05 }\n');
    const amended = await fitSpec({ ...base, config: file, maxSteps: 40, patience: 2 } as never);
    expect(amended.stages[0].params.model).toMatchObject({ budget: { seconds: 9, steps: 40 }, earlyStopping: { minRelativeDelta: 0.05, patience: 2 } });
  });

  it('--ensemble-size becomes model.ensemble, amending the --config block', async () => {
    const spec = await fitSpec({ ...base, ensembleSize: 3 } as never);
    expect(spec.stages[0].params.model).toMatchObject({ ensemble: { size: 3 } });
    const file = path.join(dir, 'ensemble.yaml');
    await writeFile(file, 'ensemble: { size: 4 }\ncodeSize: 2\n');
    expect((await fitSpec({ ...base, config: file } as never)).stages[0].params.model).toMatchObject({ ensemble: { size: 4 }, codeSize: 2 });
    expect((await fitSpec({ ...base, config: file, ensembleSize: 2 } as never)).stages[0].params.model).toMatchObject({ ensemble: { size: 2 } });
    expect((await fitSpec({ ...base, config: file, ensembleWidths: 'varied' } as never)).stages[0].params.model).toMatchObject({ ensemble: { size: 4, widths: 'varied' } });
  });

  it('an ensemble fit writes format 3; `info` names the ensemble and `score` scores with it', async () => {
    const r = await latentflow(['fit', '-i', 'small.csv', '-m', 'ensemble-model', '--ensemble-size', '2', '--max-steps', '6', '--exclude', 'label'], dir);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(dir, 'ensemble-model/latentflow.json'), 'utf8'));
    expect(manifest).toMatchObject({ formatVersion: 3, model: { type: 'autoencoder-ensemble', ensemble: { size: 2 } } });
    // Each member ran under the step budget: 6 steps each.
    expect(manifest.training.history.steps).toBe(12);
    const info = await latentflow(['info', 'ensemble-model'], dir);
    expect(info.stdout).toMatch(/Ensemble +2 networks of this architecture, each with its own seed; score = mean of each one's score \/ its training median/);
    const scored = await latentflow(['score', '-i', 'new.csv', '-m', 'ensemble-model', '-o', 'ensemble-scored.csv'], dir);
    expect(scored.code).toBe(0);
    const lines = (await readFile(path.join(dir, 'ensemble-scored.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toMatch(/score,is_anomaly/);
    expect(lines.length).toBeGreaterThan(2);
  });

  it('--ensemble-size with --type pca is refused as a flag of the other family', async () => {
    const r = await latentflow(['fit', '-i', 'small.csv', '-m', 'pca-ens', '--type', 'pca', '--ensemble-size', '2'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--ensemble-size applies to --type autoencoder, not pca/);
  });

  it.each([
    ['--ensemble-size', '1', /--ensemble-size expects an integer in \[2, 16\]/],
    ['--ensemble-size', '17', /--ensemble-size expects an integer in \[2, 16\]/],
    ['--trim', '0.5', /--trim expects a number in \[0, 0\.5\)/],
    ['--max-steps', '0', /--max-steps expects a positive integer/],
    ['--max-seconds', '-1', /--max-seconds expects a number > 0/],
    ['--patience', '-2', /--patience expects an integer >= 0/],
  ])('%s %s exits 2 with one line naming the option', async (flag, value, message) => {
    const r = await latentflow(['fit', '-i', 'small.csv', '-m', 'bad', flag, value], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a fit stopped by its step budget warns, says so in the summary, and `info` shows it', async () => {
    const r = await latentflow(['fit', '-i', 'small.csv', '-m', 'budget-model', '--max-steps', '4', '--exclude', 'label'], dir);
    expect(r.code).toBe(0);
    const warning = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.level === 'warn' || l.level === 40);
    expect(warning?.msg).toMatch(/step budget \(4 steps; raise budget.steps or --max-steps\) after 4 steps while the loss was still improving/);
    expect(r.stdout).toMatch(/2 epochs \(not converged/);
    const info = await latentflow(['info', 'budget-model'], dir);
    expect(info.stdout).toMatch(/Stopping +not converged: the step budget ran out after 4 steps while the loss was still improving/);
    expect(info.stdout).toMatch(/Stopping rule +patience 10, improvement > max\(0, 1 % of best\); until the rule stops it; 4 steps/);
    const manifest = JSON.parse(await readFile(path.join(dir, 'budget-model/latentflow.json'), 'utf8'));
    expect(manifest.training.history).toMatchObject({ stopReason: 'stepBudget', converged: false, steps: 4 });
  });

  it('a fit that converges says so in `info`', async () => {
    const r = await latentflow(['fit', '-i', 'small.csv', '-m', 'converged-model', '--patience', '1', '--trim', '0.05', '--exclude', 'label'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/not converged/);
    const info = await latentflow(['info', 'converged-model'], dir);
    expect(info.stdout).toMatch(/Stopping +converged: the validation loss stopped improving after [\d,]+ steps/);
    expect(info.stdout).toMatch(/Model +autoencoder: dense, robust training \(trim 0.05\)/);
  });
});
