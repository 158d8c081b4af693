/**
 * The project's central claim on its own bundled data: on sensors driven by a few hidden factors through
 * nonlinear relations, an autoencoder's k-dim code keeps what matters and PCA's k components do not.
 * Prints held-out ROC-AUC (labels in data/quickstart/new.csv) and fit time, as medians over seeds, for PCA
 * and the autoencoder at the same code sizes, under two scoring rules each: the classic reconstruction error
 * (the like-for-like comparison) and each model's default score (PCA: all components, Mahalanobis; the
 * autoencoder: `balanced` blended with the code-neighbour distance), plus the autoencoder's `balanced` alone
 * (the default before issue 12's code neighbours; the same seed trains the same network). Run: `npm run bench:quickstart`.
 */
import { Autoencoder } from '../src/models/autoencoder/autoencoder.js';
import type { Matrix } from '../src/models/matrix.js';
import { rocAuc } from '../src/evaluation/metrics.js';
import { PcaModel } from '../src/models/pca.js';
import { Scaler } from '../src/models/scaler.js';
import { QUICKSTART_FEATURES as FEATURES, readQuickstart as read } from './quickstart-data.js';
import { selectBackend } from '../src/runtime/backend.js';

const SEEDS = [1, 2, 3];


const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main() {
  const backend = await selectBackend();
  const train = await read('data/quickstart/train.csv');
  const test = await read('data/quickstart/new.csv');
  const scaler = new Scaler('standard').fit(train.x);
  const xs = scaler.transform(train.x);
  const ts = scaler.transform(test.x);
  console.log(`backend ${backend.name}; train ${xs.rows} rows, test ${ts.rows} rows (${test.labels.filter(Boolean).length} labelled faults)`);
  console.log('| code size k | PCA, reconstruction error | PCA, default score (mahalanobis) | autoencoder, reconstruction error (median of 3 seeds) | autoencoder, balanced alone (median of 3 seeds) | autoencoder, default score (balanced + code neighbours; median of 3 seeds) | AE fit s (median) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const k of [2, 3, 4]) {
    const pcaRecon = rocAuc(new PcaModel({ k, scoreBy: 'reconstruction' }).fit(xs).score(ts), test.labels);
    const pcaDefault = rocAuc(new PcaModel({ k }).fit(xs).score(ts), test.labels);
    const recon: number[] = [];
    const balanced: number[] = [];
    const blended: number[] = [];
    const secs: number[] = [];
    for (const seed of SEEDS) {
      const config = { codeSize: k, hiddenUnits: [32, 16], epochs: 100, batchSize: 128, learningRate: 0.003, seed };
      const ae = new Autoencoder(FEATURES.length, config);
      const t0 = performance.now();
      await ae.fit(xs);
      secs.push((performance.now() - t0) / 1000);
      blended.push(rocAuc(ae.score(ts), test.labels));
      recon.push(rocAuc(rowMeans(ae.featureErrors(ts)), test.labels));
      ae.dispose();
      const alone = new Autoencoder(FEATURES.length, { ...config, neighbors: null });
      await alone.fit(xs);
      balanced.push(rocAuc(alone.score(ts), test.labels));
      alone.dispose();
    }
    const cell = (v: number[]) => `${median(v).toFixed(3)} (${v.map((a) => a.toFixed(3)).join(', ')})`;
    console.log(`| ${k} | ${pcaRecon.toFixed(3)} | ${pcaDefault.toFixed(3)} | ${cell(recon)} | ${cell(balanced)} | ${cell(blended)} | ${median(secs).toFixed(1)} |`);
  }
}

/** Per-row mean of a matrix: the mean squared reconstruction error from per-feature squared errors. */
function rowMeans(m: Matrix): Float32Array {
  const out = new Float32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let sum = 0;
    for (let c = 0; c < m.cols; c++) sum += m.data[r * m.cols + c];
    out[r] = sum / m.cols;
  }
  return out;
}

await main();
