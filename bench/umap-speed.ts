/**
 * UMAP on real sizes (issue 14 item 4): latentflow's UmapModel (umap-js) against umap-learn, in the same run on
 * the same float32 matrix, at each of `--sizes` rows of `--cols` (default 32) columns: seeded synthetic
 * "codes", a mixture of 10 Gaussian clusters (centres drawn N(0, 3²) per column, rows centre + N(0, s²) with a
 * per-cluster s in [0.5, 1.5]), the shape of an encode stage's output. For each size it times
 *
 * - latentflow full fit: `UmapModel.fit` on every row;
 * - latentflow sampled fit + transform, for each of `--sample-rows` and each of `--transform-epochs` (default:
 *   the model's default): fit on a seeded sample of that many rows and place the others with `transform`, as
 *   the `umap` stage does (same `sampleSplit`);
 * - umap-learn `fit_transform` on every row (bench/umap_speed_learn.py, on a Python with umap-learn:
 *   `--python`, default .cache/umap-venv/bin/python, made by `python3 -m venv .cache/umap-venv &&
 *   .cache/umap-venv/bin/pip install umap-learn`), after a warm-up fit on the first `--warmup-rows` rows that
 *   pays numba's JIT, timed and reported apart (keep it at 4,096 or more: below that umap-learn takes exact
 *   neighbours instead of pynndescent, whose kernels would then compile inside the timed fit);
 *
 * as medians of `--repeats` runs (wall clock and process CPU seconds, both sides single-threaded: umap-js is
 * JavaScript, umap-learn runs one thread when given a random_state) and as ratios to umap-learn. Quality:
 * trustworthiness (k = `--trust-k`, src/evaluation/embedding-quality.ts) of each map, measured on one fixed
 * seeded subset of `--trust-rows` rows for every method (exact trustworthiness of all rows is O(n²)); the same
 * subset and the same data, so differences between methods are the methods'.
 *
 * Every method uses nNeighbors 15, minDist 0.1 and the libraries' epoch rule (200 epochs above 10,000 rows for
 * both; a 5,000-row sample fit runs umap-js's 400). `--skip-full` leaves out latentflow's full fit (slow).
 *
 * Run: `npx tsx bench/umap-speed.ts [--sizes 20000,50000] [--cols 32] [--sample-rows 5000,10000] [--transform-epochs 100,30] [--repeats 1]
 * [--trust-rows 2000] [--trust-k 10] [--warmup-rows 5000] [--seed 1] [--python PATH] [--skip-full] [--out FILE]`
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trustworthinessEach } from '../src/evaluation/embedding-quality.js';
import { takeRows, type Matrix } from '../src/models/matrix.js';
import { deriveSeed, gaussian, sampleSplit, seededRandom } from '../src/models/random.js';
import { UmapModel } from '../src/models/umap.js';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '20000,50000' },
    cols: { type: 'string', default: '32' },
    'sample-rows': { type: 'string', default: '5000,10000' },
    'transform-epochs': { type: 'string' },
    repeats: { type: 'string', default: '1' },
    'trust-rows': { type: 'string', default: '2000' },
    'trust-k': { type: 'string', default: '10' },
    'warmup-rows': { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    python: { type: 'string', default: path.join(root, '.cache/umap-venv/bin/python') },
    'skip-full': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const ints = (name: keyof typeof values, min: number): number[] =>
  String(values[name])
    .split(',')
    .map((s) => {
      const v = Number(s);
      if (!Number.isInteger(v) || v < min) throw new Error(`--${name} takes integers >= ${min}, received ${values[name]}`);
      return v;
    });
const int = (name: keyof typeof values, min: number): number => ints(name, min)[0];
const sizes = ints('sizes', 100);
const cols = int('cols', 1);
const sampleSizes = ints('sample-rows', 16);
/** Transform epochs of the sampled runs, one variant each; `undefined` = the model's default. */
const transformEpochsList: (number | undefined)[] = values['transform-epochs'] === undefined ? [undefined] : ints('transform-epochs', 1);
const repeats = int('repeats', 1);
const trustRows = int('trust-rows', 40);
const trustK = int('trust-k', 1);
const warmupRows = int('warmup-rows', 100);
const seed = int('seed', 0);
const CLUSTERS = 10;
const N_NEIGHBORS = 15;
const MIN_DIST = 0.1;

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

/** `rows x cols` mixture of `CLUSTERS` Gaussian clusters, rows in random cluster order; same seed, same matrix. */
function syntheticCodes(rows: number): Matrix {
  const random = seededRandom(deriveSeed(seed, `umap-speed:codes:${rows}`));
  const centres = Float64Array.from({ length: CLUSTERS * cols }, () => 3 * gaussian(random));
  const scales = Float64Array.from({ length: CLUSTERS }, () => 0.5 + random());
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const c = Math.floor(random() * CLUSTERS);
    for (let j = 0; j < cols; j++) data[r * cols + j] = centres[c * cols + j] + scales[c] * gaussian(random);
  }
  return { data, rows, cols };
}

/** One timed way of mapping the rows. */
interface Run {
  name: string;
  seconds: number[];
  cpuSeconds: number[];
  /** Map of the last run. */
  map: Matrix;
  note?: string;
}

const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function timedRuns(name: string, mapRows: (r: number) => Promise<Matrix>, note?: string): Promise<Run> {
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  let map: Matrix | undefined;
  for (let r = 0; r < repeats; r++) {
    const wall0 = performance.now();
    const cpu0 = cpuNow();
    map = await mapRows(r);
    seconds.push((performance.now() - wall0) / 1000);
    cpuSeconds.push(cpuNow() - cpu0);
    log(`${name}, run ${r + 1}/${repeats}: ${seconds.at(-1)!.toFixed(1)} wall s, ${cpuSeconds.at(-1)!.toFixed(1)} CPU s`);
  }
  return { name, seconds, cpuSeconds, map: map!, note };
}

const model = (transformEpochs?: number) => new UmapModel({ nComponents: 2, nNeighbors: N_NEIGHBORS, minDist: MIN_DIST, transformEpochs, seed });

/** Fit and transform seconds of the last sampled run, for its note. */
let lastSplit = { fitS: 0, transformS: 0 };

/** The stage's sampled path: fit a seeded sample, place the other rows, coordinates back in row order. */
async function sampledMap(x: Matrix, sampleRows: number, transformEpochs: number | undefined): Promise<Matrix> {
  const { chosen, rest } = sampleSplit(x.rows, sampleRows, seededRandom(deriveSeed(seed, 'umap-speed:sample')));
  const umap = model(transformEpochs);
  const wall0 = performance.now();
  const fitted = await umap.fit(takeRows(x, chosen));
  const wall1 = performance.now();
  const placed = await umap.transform(takeRows(x, rest));
  lastSplit = { fitS: (wall1 - wall0) / 1000, transformS: (performance.now() - wall1) / 1000 };
  const out = new Float32Array(x.rows * 2);
  chosen.forEach((row, i) => out.set(fitted.data.subarray(2 * i, 2 * i + 2), 2 * row));
  rest.forEach((row, i) => out.set(placed.data.subarray(2 * i, 2 * i + 2), 2 * row));
  return { data: out, rows: x.rows, cols: 2 };
}

interface LearnResult {
  umap: string;
  pynndescent: string;
  numba: string;
  importSeconds: number;
  warmupRows: number;
  warmupSeconds: number;
  warmupCpuSeconds: number;
  seconds: number[];
  cpuSeconds: number[];
  embedding: number[];
}

function umapLearn(x: Matrix): LearnResult {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'latentflow-umap-speed-'));
  try {
    const file = path.join(dir, 'x.f32');
    writeFileSync(file, new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    const script = path.join(root, 'bench/umap_speed_learn.py');
    const args = [script, file, String(x.rows), String(x.cols), String(repeats), String(warmupRows), String(seed)];
    // Same-run comparison: the Python side runs while this process waits, so the two never share the cores.
    const out = execFileSync(values.python, args, { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.toString()) as LearnResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureSize(rows: number): Promise<string[]> {
  const x = syntheticCodes(rows);
  const runs: Run[] = [];
  if (!values['skip-full']) runs.push(await timedRuns('latentflow full fit', () => model().fit(x), `${model().epochsFor(rows)} epochs`));
  for (const s of sampleSizes.filter((s) => s < rows)) {
    for (const te of transformEpochsList) {
      const run = await timedRuns(`latentflow fit ${s} + transform ${rows - s}`, () => sampledMap(x, s, te));
      const epochs = te === undefined ? `default transform epochs (${model().transformEpochsFor(rows - s)})` : `transformEpochs ${te}`;
      run.note = `${model().epochsFor(s)} fit epochs, ${epochs}; last run: fit ${lastSplit.fitS.toFixed(1)} s + transform ${lastSplit.transformS.toFixed(1)} s wall`;
      runs.push(run);
    }
  }
  log(`umap-learn on ${rows} rows (warm-up on ${Math.min(warmupRows, rows)} rows first)`);
  const learn = umapLearn(x);
  const learnRun: Run = {
    name: 'umap-learn `fit_transform`',
    seconds: learn.seconds,
    cpuSeconds: learn.cpuSeconds,
    map: { data: Float32Array.from(learn.embedding), rows, cols: 2 },
    note: `after the warm-up; ${rows > 10_000 ? 200 : 500} epochs, spectral init`,
  };
  runs.push(learnRun);

  const subset = sampleSplit(rows, Math.min(trustRows, rows), seededRandom(deriveSeed(seed, 'umap-speed:trust'))).chosen;
  const trust = trustworthinessEach(
    takeRows(x, subset),
    runs.map((r) => takeRows(r.map, subset)),
    trustK,
  );
  const ref = { wall: median(learn.seconds), cpu: median(learn.cpuSeconds) };
  const row = (r: Run, t: number) =>
    `| ${r.name} | ${median(r.seconds).toFixed(1)} s | ${(median(r.seconds) / ref.wall).toFixed(2)}x | ${median(r.cpuSeconds).toFixed(1)} s | ${(median(r.cpuSeconds) / ref.cpu).toFixed(2)}x | ${t.toFixed(4)} | ${r.note ?? ''} |`;
  return [
    `### ${rows.toLocaleString('en-US')} x ${cols}`,
    '',
    '| method | wall median | wall / umap-learn | CPU median | CPU / umap-learn | trustworthiness | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...runs.map((r, i) => row(r, trust[i])),
    `| umap-learn first call (JIT + fit of ${learn.warmupRows} rows) | ${learn.warmupSeconds.toFixed(1)} s | | ${learn.warmupCpuSeconds.toFixed(1)} s | | | \`import umap\` ${learn.importSeconds.toFixed(1)} s more |`,
    '',
    `umap-learn ${learn.umap}, pynndescent ${learn.pynndescent}, numba ${learn.numba}. Trustworthiness: k = ${trustK} on the same ${subset.length} seeded rows for every map.`,
    '',
  ];
}

async function main() {
  const date = new Date().toISOString();
  const load0 = os.loadavg()[0].toFixed(1);
  const wall0 = performance.now();
  const sections: string[] = [];
  for (const rows of sizes) sections.push(...(await measureSize(rows)));
  const command = `npx tsx bench/umap-speed.ts ${process.argv.slice(2).join(' ')}`.trim();
  const text = [
    `Command: \`${command}\``,
    '',
    `Measured ${date} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; 1-min load average ${load0} at the start, ${os.loadavg()[0].toFixed(1)} at the end; total ${((performance.now() - wall0) / 1000).toFixed(0)} wall s.`,
    `Data: ${CLUSTERS} seeded Gaussian clusters in ${cols} dimensions (seed ${seed}). UMAP: 2-D, nNeighbors ${N_NEIGHBORS}, minDist ${MIN_DIST}, seed ${seed}; medians of ${repeats} run(s).`,
    '',
    ...sections,
  ].join('\n');
  console.log(text);
  if (values.out) await writeFile(values.out, `${text}\n`);
}

await main();
