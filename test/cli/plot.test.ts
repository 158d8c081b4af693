import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { gaussian, seededRandom } from '../../src/models/random.js';

/**
 * `latentflow plot` draws several charts of one scored file in one run (one pipeline, one read): a folder
 * output gets `<chart>.png` each; `--linear` forces the histogram's linear count axis; an option no listed
 * chart reads is an invalid command (exit 2) naming it.
 */
let dir: string;
let input: string;
const ROWS = 400;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'latentflow-plot-cli-'));
  const random = seededRandom(4);
  const x = Float64Array.from({ length: ROWS }, () => gaussian(random));
  const y = Float64Array.from({ length: ROWS }, () => gaussian(random));
  // Heavy tail: 396 scores near 0, 4 far out (and labelled anomalies).
  const score = Float64Array.from({ length: ROWS }, (_, i) => (i % 100 === 0 ? 20 + i / 50 : 0.1 * random()));
  const label = Array.from({ length: ROWS }, (_, i) => (i % 100 === 0 ? 'anomaly' : 'normal'));
  input = path.join(dir, 'scored.arrow');
  await writeFile(input, tableToIPC(tableFromArrays({ x, y, score, label }), 'file'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [out, err] = [process.stdout.write, process.stderr.write];
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'latentflow', 'plot', ...args, '--no-progress', '--log-level', 'silent']);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe('latentflow plot', () => {
  it('writes every listed chart from one run into a folder, one PNG each', async () => {
    const folder = path.join(dir, 'charts');
    const r = await cli(['-i', input, '--chart', 'scatter,score-histogram', '-o', folder, '--color', 'label', '--threshold', '10']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await readdir(folder)).sort()).toEqual(['scatter.png', 'score-histogram.png']);
    for (const name of ['scatter.png', 'score-histogram.png']) {
      const png = PNG.sync.read(await readFile(path.join(folder, name)));
      expect(png.width).toBeGreaterThan(900);
    }
    expect(r.stdout).toContain(path.join(folder, 'scatter.png'));
  });

  it('a single SVG chart: the heavy tail on a log count axis by default, linear with --linear', async () => {
    const log = path.join(dir, 'scores.svg');
    const linear = path.join(dir, 'scores-linear.svg');
    expect((await cli(['-i', input, '--chart', 'score-histogram', '-o', log])).code).toBe(0);
    expect((await cli(['-i', input, '--chart', 'score-histogram', '-o', linear, '--linear'])).code).toBe(0);
    expect(await readFile(log, 'utf8')).toContain('rows (log scale)');
    expect(await readFile(linear, 'utf8')).not.toContain('log scale');
  });

  it('an option that no listed chart reads is an invalid command (exit 2) naming it', async () => {
    const r = await cli(['-i', input, '--chart', 'scatter', '-o', path.join(dir, 'bad.png'), '--threshold', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/threshold: only used by chart: score-histogram, not scatter/);
  });
});
