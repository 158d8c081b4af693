/**
 * Speed of each TensorFlow.js backend latentflow can run on, in one run: fit time of a dense autoencoder at
 * batch 256 and 32, and scoring rows/s, for wasm, cpu and the native tensorflow backend (when
 * `bash scripts/native-backend.sh` has built it; with oneDNN off, oneDNN on, and one intra-op thread).
 * Each backend runs in its own child process, so one backend's state cannot slow another. Prints a markdown
 * table and writes it to bench/results/backends.md.
 *
 * Shapes on 9 input columns: `default` is the Autoencoder's default for d = 9 (9-12-3-12-9); `wide` is
 * 9-64-32-8-32-64-9 (hidden [64, 32], code 8: the PyOD-sized network, with the code below the input width
 * as latentflow requires). Fits: Adam lr 1e-3, no validation split, no early stopping, no dropout; a
 * one-epoch fit on 512 rows runs first, untimed. Scoring: `score` on 100,000 rows, best of 3.
 *
 * Run: npx tsx bench/backend-speed.ts [--rows 10000] [--epochs 5] [--variants wasm,cpu,tensorflow,...]
 *      [--out bench/results/backends.md]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    epochs: { type: 'string', default: '5' },
    variants: { type: 'string', default: 'wasm,cpu,tensorflow,tensorflow-onednn,tensorflow-1thread' },
    out: { type: 'string', default: path.join(root, 'bench/results/backends.md') },
    worker: { type: 'string' },
  },
});

/** A backend and the environment its process starts with (TensorFlow reads these when it loads). */
const VARIANTS: Record<string, { backend: 'wasm' | 'cpu' | 'tensorflow'; env: Record<string, string>; label: string }> = {
  wasm: { backend: 'wasm', env: {}, label: 'wasm' },
  cpu: { backend: 'cpu', env: {}, label: 'cpu (plain JS)' },
  tensorflow: { backend: 'tensorflow', env: { TF_ENABLE_ONEDNN_OPTS: '0' }, label: 'tensorflow, oneDNN off' },
  'tensorflow-onednn': { backend: 'tensorflow', env: { TF_ENABLE_ONEDNN_OPTS: '1' }, label: 'tensorflow, oneDNN on (TF default)' },
  'tensorflow-1thread': {
    backend: 'tensorflow',
    env: { TF_ENABLE_ONEDNN_OPTS: '0', TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' },
    label: 'tensorflow, oneDNN off, 1 thread',
  },
};

const SHAPES: Record<string, { hiddenUnits?: number[]; codeSize?: number }> = {
  default: {},
  wide: { hiddenUnits: [64, 32], codeSize: 8 },
};
const BATCHES = [256, 32];
const SCORE_ROWS = 100_000;
const COLS = 9;

interface Measurement { shape: string; layers: string; batch: number; fitS: number; steps: number; msPerStep: number; scoreRowsS: number }
interface WorkerResult { variant: string; backend?: string; detail?: string; unavailable?: string; measurements: Measurement[] }

/** Rows from 3 hidden factors through a fixed nonlinear map, plus noise: structure to learn, seeded. */
function makeRows(rows: number, seed: number) {
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const data = new Float32Array(rows * COLS);
  for (let r = 0; r < rows; r++) {
    const a = rand() * 2 - 1;
    const b = rand() * 2 - 1;
    const c = rand() * Math.PI * 2;
    const f = [a, b, Math.sin(c), Math.cos(c), a * b, a * a, Math.tanh(2 * b), a + Math.sin(c), b - Math.cos(c)];
    for (let j = 0; j < COLS; j++) data[r * COLS + j] = f[j] + 0.05 * (rand() - 0.5);
  }
  return { data, rows, cols: COLS };
}

async function worker(name: string): Promise<WorkerResult> {
  const variant = VARIANTS[name];
  const { Autoencoder, selectBackend } = await import('../src/index.js');
  const tf = await import('../src/runtime/tf.js');
  try {
    await selectBackend(variant.backend);
  } catch (error) {
    return { variant: name, unavailable: (error as Error).message.split(';')[0], measurements: [] };
  }
  let detail = '';
  if (variant.backend === 'tensorflow') {
    detail = `TF ${(tf.backend() as unknown as { binding: { TF_Version: string } }).binding.TF_Version}`;
  } else if (variant.backend === 'wasm') {
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as { getThreadsCount?: () => number };
    detail = `${wasm.getThreadsCount?.() ?? '?'} thread(s)`;
  }
  const rows = Number(args.rows);
  const epochs = Number(args.epochs);
  const x = makeRows(rows, 1);
  const scoreX = makeRows(SCORE_ROWS, 2);
  const measurements: Measurement[] = [];
  for (const [shape, options] of Object.entries(SHAPES)) {
    for (const batch of BATCHES) {
      const config = { ...options, batchSize: batch, validationSplit: 0, earlyStopping: false as const, seed: 7 };
      const warm = new Autoencoder(COLS, { ...config, epochs: 1 });
      await warm.fit(makeRows(512, 3));
      warm.score(makeRows(4096, 4));
      warm.dispose();
      const model = new Autoencoder(COLS, { ...config, epochs });
      const started = performance.now();
      await model.fit(x);
      const fitS = (performance.now() - started) / 1000;
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        model.score(scoreX);
        best = Math.min(best, (performance.now() - t0) / 1000);
      }
      const steps = Math.ceil(rows / batch) * epochs;
      measurements.push({ shape, layers: model.layerUnits.join('-'), batch, fitS, steps, msPerStep: (fitS * 1000) / steps, scoreRowsS: SCORE_ROWS / best });
      model.dispose();
      console.error(`${name.padEnd(20)} ${shape.padEnd(8)} batch ${String(batch).padStart(3)}: fit ${fitS.toFixed(1)} s, ${((fitS * 1000) / steps).toFixed(2)} ms/step, score ${(SCORE_ROWS / best / 1000).toFixed(0)} k rows/s`);
    }
  }
  return { variant: name, backend: tf.getBackend(), detail, measurements };
}

async function main(): Promise<void> {
  if (args.worker !== undefined) {
    process.stdout.write(JSON.stringify(await worker(args.worker)) + '\n');
    return;
  }
  const names = args.variants.split(',');
  for (const n of names) if (!(n in VARIANTS)) throw new Error(`backend-speed: unknown variant ${n}; expected ${Object.keys(VARIANTS).join(', ')}`);
  const loadStart = os.loadavg()[0];
  const results: WorkerResult[] = [];
  for (const name of names) {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', name, '--rows', args.rows, '--epochs', args.epochs],
      { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...VARIANTS[name].env }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (child.status !== 0) throw new Error(`backend-speed: worker ${name} exited with ${child.status}`);
    results.push(JSON.parse(child.stdout.trim().split('\n').pop() as string) as WorkerResult);
  }
  const commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const lines = [
    '## TensorFlow.js backends: fit and scoring speed',
    '',
    `\`npx tsx bench/backend-speed.ts --rows ${args.rows} --epochs ${args.epochs}\` — ${args.rows} rows × 9 columns, ${args.epochs} epochs, ` +
      `Adam, no validation split or early stopping; scoring ${SCORE_ROWS.toLocaleString('en')} rows (best of 3). ` +
      `Measured ${new Date().toISOString().slice(0, 10)} at commit ${commit}, Node ${process.version}, ${os.cpus().length} cores shared with other jobs ` +
      `(load average ${loadStart.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}): absolute times are noisy, compare within a row group.`,
    '',
    '| backend | network | batch | fit s | ms / step | scoring rows/s |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const label = `${VARIANTS[r.variant].label}${r.detail ? ` (${r.detail})` : ''}`;
    if (r.unavailable !== undefined) {
      lines.push(`| ${label} | — | — | not available: ${r.unavailable} | | |`);
      continue;
    }
    for (const m of r.measurements) {
      lines.push(`| ${label} | ${m.layers} | ${m.batch} | ${m.fitS.toFixed(1)} | ${m.msPerStep.toFixed(2)} | ${Math.round(m.scoreRowsS).toLocaleString('en')} |`);
    }
  }
  const text = lines.join('\n') + '\n';
  await mkdir(path.dirname(args.out), { recursive: true });
  await writeFile(args.out, text);
  process.stdout.write(text);
}

await main();
