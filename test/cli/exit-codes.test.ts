import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, latentflow, type CliResult } from '../helpers/cli.js';

/**
 * The documented exit codes of the built CLI: 2 with ONE readable line on stderr (no stack, no JSON) for
 * every invalid command or option value; 1 for a run that fails (empty input, damaged data), also one line.
 */

let dir: string;
const exists = (p: string) => access(p).then(() => true, () => false);

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-exit-'));
  const rows = Array.from({ length: 40 }, (_, i) => `${Math.sin(i).toFixed(4)},${Math.cos(i * 0.3).toFixed(4)}`);
  await writeFile(path.join(dir, 'train.csv'), `a,b\n${rows.join('\n')}\n`);
  await writeFile(path.join(dir, 'pipe.yaml'), 'source: { type: csv-source, path: train.csv }\nsink: { type: null-sink }\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = (r: CliResult) => r.stderr.split('\n').filter((l) => l.trim() !== '');

/** Exit 2, exactly one stderr line, no stack frame, no JSON log line. */
function expectUsageError(r: CliResult, mention: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(lines(r), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().startsWith('{')).toBe(false);
  expect(r.stderr).toMatch(mention);
}

const fit = ['fit', '-i', 'train.csv', '-m', 'never-written'];
const score = ['score', '-i', 'train.csv', '-m', 'model', '-o', 'out.csv'];
const encode = ['encode', '-i', 'train.csv', '-m', 'model', '-o', 'out.csv'];
const report = ['report', '-i', 'train.csv', '-m', 'model', '-o', 'r.html'];
const monitor = ['monitor', '--brokers', '127.0.0.1:1', '--topic', 't', '--group', 'g', '-m', 'model'];

/** [command prefix, option, bad value]: every numeric option of every command, each bad value. */
const numericOptions: [string[], string][] = [
  [fit, '--epochs'],
  [fit, '--code-size'],
  [fit, '--batch-size'],
  [fit, '--k'],
  [fit, '--learning-rate'],
  [fit, '--hidden'],
  [score, '--batch-rows'],
  [encode, '--batch-rows'],
  [report, '--top'],
  [report, '--max-points'],
  [report, '--batch-rows'],
  [monitor, '--batch-rows'],
  [monitor, '--max-in-flight'],
  [monitor, '--session-timeout-ms'],
  [monitor, '--delivery-timeout-ms'],
];
const badValues = ['0', '-1', 'NaN', 'ten', '1.5'];

describe('invalid options exit 2 with one readable line', () => {
  for (const [command, option] of numericOptions) {
    it(`${command[0]} ${option}: 0, negative, NaN, text and fractions are refused`, async () => {
      for (const value of badValues) {
        if (option === '--learning-rate' && value === '1.5') continue; // a valid rate
        const r = await latentflow([...command, option, value], dir);
        expectUsageError(r, new RegExp(`${option}.*"${value.replace('.', '\\.')}"`));
      }
    });
  }

  it('options that accept 0 still refuse negative, NaN and text (seed, linger, metrics interval)', async () => {
    for (const [command, option] of [[fit, '--seed'], [monitor, '--linger-ms'], [monitor, '--metrics-interval-ms']] as const) {
      for (const value of ['-1', 'NaN', 'ten']) expectUsageError(await latentflow([...command, option, value], dir), new RegExp(option));
    }
  });

  it('--threshold: bad method, out-of-range and missing values', async () => {
    for (const value of ['contamination=0', 'contamination=0.9', 'percentile=101', 'mad=-1', 'mad=', 'fixed=abc', 'median=3']) {
      expectUsageError(await latentflow([...fit, '--threshold', value], dir), /--threshold/);
    }
  });

  it('unknown commands and options, missing arguments, bad choices', async () => {
    expectUsageError(await latentflow(['nope'], dir), /unknown command/);
    expectUsageError(await latentflow([...score, '--nope'], dir), /unknown option/);
    expectUsageError(await latentflow(['validate'], dir), /missing required argument/);
    expectUsageError(await latentflow(['info'], dir), /missing required argument/);
    expectUsageError(await latentflow(['run'], dir), /missing required argument/);
    expectUsageError(await latentflow(['list', '--nope'], dir), /unknown option/);
    expectUsageError(await latentflow([...fit, '--type', 'svm'], dir), /--type/);
    expectUsageError(await latentflow([...score, '--on-missing', 'guess'], dir), /--on-missing/);
    expectUsageError(await latentflow([...fit, '--format', 'xlsx'], dir), /unknown format/);
  });

  it('a bad option value never writes the model', async () => {
    await latentflow([...fit, '--epochs', '0'], dir);
    expect(await exists(path.join(dir, 'never-written'))).toBe(false);
  });

  it('a YAML alias bomb in a pipeline or --config file: exit 2, one line naming the file', async () => {
    let bomb = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n';
    for (let i = 1; i <= 9; i++) bomb += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    await writeFile(path.join(dir, 'bomb.yaml'), bomb);
    expectUsageError(await latentflow(['validate', 'bomb.yaml'], dir), /bomb\.yaml:\d+:\d+: aliases expand/);
    expectUsageError(await latentflow(['run', 'bomb.yaml'], dir), /bomb\.yaml/);
    expectUsageError(await latentflow([...fit, '--config', 'bomb.yaml'], dir), /bomb\.yaml/);
  });

  it('validate refuses a model id that does not exist, at file:line:column', async () => {
    await writeFile(path.join(dir, 'ref.yaml'), 'source:\n  type: csv-source\n  path: train.csv\nstages:\n  - type: score\n    model: nope\nsink:\n  type: null-sink\n');
    const r = await latentflow(['validate', 'ref.yaml'], dir);
    expectUsageError(r, /ref\.yaml:6:5: model "nope"/);
    expect(r.stdout).not.toMatch(/ok/);
  });

  it('--log-level debug adds the stack of a SpecError', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), 'source: { type: csv-sorce, path: x.csv }\nsink: { type: null-sink }\n');
    const quiet = await latentflow(['run', 'bad.yaml', '--log-level', 'silent'], dir);
    expectUsageError(quiet, /bad\.yaml:1:\d+/);
    const debug = await latentflow(['run', 'bad.yaml', '--log-level', 'debug'], dir);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('failed runs exit 1 with one readable error line', () => {
  const errorLines = (r: CliResult) => lines(r).filter((l) => l.startsWith('latentflow:'));

  it('fit on an empty file: exit 1, E_EMPTY_INPUT naming the file, no model written', async () => {
    await writeFile(path.join(dir, 'empty.csv'), 'a,b\n');
    const r = await latentflow(['fit', '-i', 'empty.csv', '-m', 'empty-model', '--log-level', 'silent'], dir);
    expect(r.code).toBe(1);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/E_EMPTY_INPUT: file .*empty\.csv/);
    expect(await exists(path.join(dir, 'empty-model'))).toBe(false);
  });

  it('fit on all-constant data: exit 1, E_CONSTANT_DATA, no model written', async () => {
    await writeFile(path.join(dir, 'const.csv'), `a,b\n${Array(30).fill('1,2').join('\n')}\n`);
    const r = await latentflow(['fit', '-i', 'const.csv', '-m', 'const-model', '--epochs', '2'], dir);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toHaveLength(1);
    expect(errorLines(r)[0]).toMatch(/E_CONSTANT_DATA/);
    expect(await exists(path.join(dir, 'const-model'))).toBe(false);
  });

  it('info and info --json refuse a damaged model alike: exit 1, one line naming the field', async () => {
    const fitted = await latentflow(['fit', '-i', 'train.csv', '-m', 'damaged-model', '-t', 'pca', '--k', '1', '--log-level', 'silent'], dir);
    expect(fitted.code, fitted.stderr).toBe(0);
    expect((await latentflow(['info', '--json', 'damaged-model'], dir)).code).toBe(0);
    const file = path.join(dir, 'damaged-model', 'latentflow.json');
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.scaler.m2[0] = -1;
    await writeFile(file, JSON.stringify(manifest));
    const human = await latentflow(['info', 'damaged-model'], dir);
    const json = await latentflow(['info', '--json', 'damaged-model'], dir);
    for (const r of [human, json]) {
      expect(r.code, r.stderr).toBe(1);
      expect(errorLines(r)).toHaveLength(1);
      expect(errorLines(r)[0]).toMatch(/damaged-model: latentflow\.json: scaler\.m2\[0\] is -1/);
      expect(r.stdout).toBe('');
    }
    expect(errorLines(json)).toEqual(errorLines(human));
  });

  it('a truncated Arrow file: exit 1, one line naming the file', async () => {
    await writeFile(path.join(dir, 'cut.arrow'), Buffer.concat([Buffer.from('ARROW1\0\0'), Buffer.alloc(100, 7)]));
    const r = await latentflow(['fit', '-i', 'cut.arrow', '-m', 'cut-model', '--log-level', 'silent'], dir);
    expect(r.code).toBe(1);
    expect(lines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/E_TRUNCATED: file .*cut\.arrow/);
  });
});
