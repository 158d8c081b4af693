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
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trustworthinessEach } from '../src/evaluation/embedding-quality.js';
import { takeRows, type Matrix } from '../src/models/matrix.js';
import { ROOT as root } from './python-peer.js';
import { median, timedRepeats } from './timing.js';
import { CLUSTERS, UMAP_SETTINGS, sampledMap as stageMap, syntheticCodes as codes, trustSubset, umapLearn as learnSide, umapModel } from './umap-peer.js';

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
const N_NEIGHBORS = UMAP_SETTINGS.nNeighbors;
const MIN_DIST = UMAP_SETTINGS.minDist;
const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const syntheticCodes = (rows: number): Matrix => codes(rows, cols, seed);

/** One timed way of mapping the rows. */
interface Run {
  name: string;
  seconds: number[];
  cpuSeconds: number[];
  /** Map of the last run. */
  map: Matrix;
  note?: string;
}

async function timedRuns(name: string, mapRows: (r: number) => Promise<Matrix>, note?: string): Promise<Run> {
  const { seconds, cpuSeconds, last } = await timedRepeats(repeats, mapRows, (r, wallS, cpuS) =>
    log(`${name}, run ${r + 1}/${repeats}: ${wallS.toFixed(1)} wall s, ${cpuS.toFixed(1)} CPU s`),
  );
  return { name, seconds, cpuSeconds, map: last, note };
}

const model = (transformEpochs?: number) => umapModel(seed, transformEpochs);

/** Fit and transform seconds of the last sampled run, for its note. */
let lastSplit = { fitS: 0, transformS: 0 };

async function sampledMap(x: Matrix, sampleRows: number, transformEpochs: number | undefined): Promise<Matrix> {
  const { map, fitS, transformS } = await stageMap(x, sampleRows, seed, transformEpochs);
  lastSplit = { fitS, transformS };
  return map;
}

const umapLearn = (x: Matrix) => learnSide(values.python, x, repeats, warmupRows, seed);

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

  const subset = trustSubset(rows, trustRows, seed);
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
