import { copyFile, mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rocAuc } from '../../src/evaluation/metrics.js';
import { buildCli, latentflow } from '../helpers/cli.js';

const repo = path.resolve(import.meta.dirname, '../..');
let dir: string;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-cli-'));
  await copyFile(path.join(repo, 'data/quickstart/train.csv'), path.join(dir, 'train.csv'));
  await copyFile(path.join(repo, 'data/quickstart/new.csv'), path.join(dir, 'new.csv'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exists = (p: string) => access(p).then(() => true, () => false);

describe('latentflow CLI, end to end on the bundled data from a temp directory', () => {
  it('fit saves a model directory and prints a summary; logs are JSON lines on stderr', async () => {
    const r = await latentflow(
      ['fit', '-i', 'train.csv', '-m', 'model', '--code-size', '3', '--hidden', '32,16', '--epochs', '100', '--batch-size', '128', '--learning-rate', '0.003', '--threshold', 'contamination=0.01'],
      dir,
    );
    expect(r.stderr.split('\n').filter(Boolean).every((l) => JSON.parse(l).app === 'latentflow')).toBe(true);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fitted on 5000 rows/);
    const manifest = JSON.parse(await readFile(path.join(dir, 'model/latentflow.json'), 'utf8'));
    expect(manifest.features).toEqual(['temperature', 'pressure', 'vibration', 'flow', 'current', 'rpm', 'power', 'noise_db']);
    expect(manifest.threshold.method).toBe('contamination');
    expect(await exists(path.join(dir, 'model', manifest.versionDir, 'model.json'))).toBe(true);
    const logs = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(logs.some((l) => /backend/.test(l.msg))).toBe(true);
  });

  it('info describes the saved model', async () => {
    const r = await latentflow(['info', 'model'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Model +autoencoder: deep dense/);
    expect(r.stdout).toMatch(/Architecture +8-32-16-3-16-32-8 /);
    expect(r.stdout).toMatch(/Parameters +[0-9,]+\n/);
  });

  it('score writes every row with score, is_anomaly and the code, and finds the labelled faults', async () => {
    const r = await latentflow(['score', '-i', 'new.csv', '-m', 'model', '-o', 'scored.parquet', '--code'], dir);
    expect(r.code).toBe(0);
    const table = tableFromIPC(pw.readParquet(await readFile(path.join(dir, 'scored.parquet'))).intoIPCStream());
    expect(table.numRows).toBe(2000);
    const names = table.schema.fields.map((f) => f.name);
    expect(names.slice(0, 11)).toEqual(['id', 'timestamp', 'temperature', 'pressure', 'vibration', 'flow', 'current', 'rpm', 'power', 'noise_db', 'label']);
    expect(names).toEqual(expect.arrayContaining(['score', 'is_anomaly', 'z0', 'z1', 'z2']));
    expect(table.getChild('id')!.get(0)).toBe('n00000');
    const scores = Array.from(table.getChild('score')!.toArray() as Float32Array);
    const labels = Array.from({ length: table.numRows }, (_, i) => table.getChild('label')!.get(i) === 'anomaly');
    expect(rocAuc(scores, labels)).toBeGreaterThan(0.97);
  });

  it('encode writes the latent code to Arrow IPC', async () => {
    const r = await latentflow(['encode', '-i', 'new.csv', '-m', 'model', '-o', 'codes.arrow'], dir);
    expect(r.code).toBe(0);
    const table = tableFromIPC(await readFile(path.join(dir, 'codes.arrow')));
    expect(table.numRows).toBe(2000);
    expect(table.schema.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['z0', 'z1']));
    expect(table.schema.fields.map((f) => f.name)).not.toContain('score');
  });

  it('--delimiter reads and writes semicolon-separated files', async () => {
    const text = await readFile(path.join(dir, 'new.csv'), 'utf8');
    await writeFile(path.join(dir, 'semi.csv'), text.replaceAll(',', ';'));
    const r = await latentflow(['score', '-i', 'semi.csv', '-m', 'model', '-o', 'semi-scored.csv', '--delimiter', ';'], dir);
    expect(r.code).toBe(0);
    const [header, first] = (await readFile(path.join(dir, 'semi-scored.csv'), 'utf8')).split('\n');
    expect(header.split(';')).toEqual(expect.arrayContaining(['id', 'score', 'is_anomaly']));
    expect(first.startsWith('n00000;')).toBe(true);
  });

  it('a malformed value fails with exit 1, names line and column, and leaves no output file', async () => {
    const text = await readFile(path.join(dir, 'new.csv'), 'utf8');
    const lines = text.split('\n');
    lines[1500] = lines[1500].replace(/,([\d.]+),/, ',oops,');
    await writeFile(path.join(dir, 'broken.csv'), lines.join('\n'));
    const r = await latentflow(['score', '-i', 'broken.csv', '-m', 'model', '-o', 'broken-scored.csv'], dir);
    expect(r.code).toBe(1);
    // The one readable line (JSON log lines aside) names the line, the column and the bad value.
    const message = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
    expect(message.join('\n')).toMatch(/line 1501\b/);
    expect(message.join('\n')).toContain('column "temperature"');
    expect(message.join('\n')).toContain('"oops"');
    expect(await exists(path.join(dir, 'broken-scored.csv'))).toBe(false);
  });

  it('a model whose features are missing from the input names the missing columns', async () => {
    await writeFile(path.join(dir, 'narrow.csv'), 'id,temperature,pressure\na,1,2\n');
    const r = await latentflow(['score', '-i', 'narrow.csv', '-m', 'model', '-o', 'narrow-out.csv'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing feature columns "vibration", "flow"');
  });

  it('validate points at file:line:column and exits 2 on a bad pipeline', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'source:\n  type: csv-source\n  path: x.csv\n  batchRowz: 10\nsink:\n  type: null-sink\n');
    const r = await latentflow(['validate', 'bad.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml:4:3');
    expect(r.stderr).toContain('did you mean "batchRows"');
  });

  it('list shows every stage with its params and defaults', async () => {
    const r = await latentflow(['list'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/autoencoder-fit \(transform\)/);
    expect(r.stdout).toMatch(/batchRows: (integer|number) = 8192/);
  });

  it('unknown options exit 2 with usage help', async () => {
    const r = await latentflow(['score', '-i', 'new.csv', '-m', 'model', '-o', 'x.csv', '--nope'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });
});
