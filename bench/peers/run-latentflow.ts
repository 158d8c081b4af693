/**
 * Runs latentflow on the splits written by bench/peers/export_data.py, through the public library API, and
 * writes test scores and timings as JSON for bench/peers/merge.py.
 *
 * Methods (each fits a standard `Scaler` on the train part first, as `latentflow fit` does by default):
 *   lf-default   `Autoencoder` with every default (shape from the input width d, trained until the stopping rule, batch 256,
 *                10 % validation split, early stopping, `scoreBy: balanced`) behind the scaler the
 *                autoencoder-fit stage uses by default (robust), seed = split seed
 *   lf-previous  the defaults before the study (standard scaling, 50 epochs, reconstruction error)
 *   lf-pyodlike  the closest configuration to PyOD's AutoEncoder() without batch norm: d-64-c-64-d with
 *                c = min(32, d - 1), ReLU on every hidden layer and the code, dropout 0.2, Adam lr 1e-3,
 *                10 epochs, batch 32, no validation split, no early stopping (PyOD has neither), scored by
 *                reconstruction error. Missing: dropout on the code layer
 *   lf-pyodlike-bn  lf-pyodlike plus `batchNorm: true, weightDecay: 1e-5` (the same config as PyOD's)
 *   lf-pca       `PcaModel` with its defaults (95 % of the variance, `scoreBy: mahalanobis`)
 *   lf-auto      mixed-type sets (bench/peers/mixed/): `fitDetector` with every default and `features: auto`, on the
 *                split's columns as they are (text as categorical), the product's road (`latentflow fit --features auto`)
 *   lf-numeric   the same with `features: numeric` (the default): the numeric columns only, what users got before
 *   lf-auto-pca  `fitDetector` with `type: pca, features: auto`: PCA defaults on the encoded matrix
 *   lf-numeric-recon  diagnostic, not a default: lf-numeric scored the way a mixed-type model is (plain
 *                reconstruction error, no latent density), so lf-auto against it shows what the kinds add
 *                under the same scoring rule
 *   lf-pca-recon `PcaModel` scored by reconstruction error (its previous default)
 *   x-*          the defaults study: one fit, every scoring rule of explore.ts as `x-…/variant`
 *   x-ens        the ensemble and distance-weight study: 3 default fits, `x-ens/k{K}-w{W}` variants
 *   x-knn        the latent-density study: one default fit, k-NN distance variants and blends (issue 12)
 *   lf-ens2, lf-ens4, lf-ens4-varied  `AutoencoderEnsemble` with every default and `ensemble: { size: 2 | 4 }`
 *                (-varied: `widths: varied`) (the product's
 *                ensemble, robust scaling); variants `k{K}` for K below the size: the mean of the first K members'
 *                normalized scores, which is exactly the ensemble of size K (k1 = lf-default: member 0 keeps the
 *                seed). fit_s covers every member
 *
 * fit_s: scaler fit + transform, model fit, scoring the training rows and a contamination=0.1 threshold
 * (what `latentflow fit` does; PyOD's fit also scores the training rows for its threshold).
 * score_rows_s: raw test rows scaled and scored per second (repeated until --min-score-s have passed).
 * Before any timing each method is fitted once on a tiny set (backend start-up is not charged).
 *
 * Run: npx tsx bench/peers/run-latentflow.ts [--data DIR] [--out FILE] [--backend auto|wasm|cpu|tensorflow]
 *      [--methods lf-default,lf-pyodlike,lf-pca] [--min-score-s 0.25]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DataType, type Table, tableFromIPC } from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import * as tf from '../../src/runtime/tf.js';
import { Autoencoder, type AutoencoderConfig, averagePrecision, fitDetector, type FitDetectorOptions, fitThreshold, type Matrix, type PcaConfig, PcaModel, rocAuc, Scaler, type ScalerMethod, selectBackend } from '../../src/index.js';
import { AUTOENCODER_SCALER, defaultCodeSize } from '../../src/models/autoencoder/autoencoder-config.js';
import { TRAINING_BUDGET } from '../../src/models/autoencoder/training-budget.js';
import { AUTOENCODER_DEFAULTS } from '../../src/models/autoencoder/autoencoder-options.js';
import { AutoencoderEnsemble } from '../../src/models/autoencoder/autoencoder-ensemble.js';
import { ScoringTensors } from '../../src/models/autoencoder/autoencoder-scoring.js';
import { permutation, seededRandom } from '../../src/models/random.js';
import * as ex from './explore.js';

const root = path.resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(root, '.cache/bench-data/full') },
    out: { type: 'string', default: path.join(root, '.cache/bench-results/full/latentflow.json') },
    backend: { type: 'string', default: 'auto' },
    methods: { type: 'string', default: 'lf-default,lf-pyodlike-bn,lf-pyodlike,lf-pca,lf-pca-recon' },
    'min-score-s': { type: 'string', default: '0.25' },
    // x-knn only: blend weights and reference-sample sizes to compare (default: the first study's grid).
    'knn-weights': { type: 'string' },
    'knn-refs': { type: 'string' },
  },
});
const minScoreS = Number(args['min-score-s']);

interface Split { seed: number; train: string; test: string }
interface DatasetEntry { name: string; features: number; splits: Split[] }

/**
 * One fitted method: scores raw rows (scaling included). `table` is the split's every column but the label,
 * as read (text columns included); `x` its numeric columns only. Methods that read columns themselves
 * (`fitDetector`) take `table` when there is one (warm-up passes only a matrix).
 */
interface Fitted {
  score(x: Matrix, table?: Table): Float32Array;
  dispose(): void;
  info: Record<string, unknown>;
  /** Other scoring rules of the same fit, reported as `method/variant` (same fit_s, no scoring rate). */
  variants?: Record<string, (x: Matrix) => ArrayLike<number>>;
}
type Method = (x: Matrix, seed: number, table?: Table) => Promise<Fitted>;

/** PyOD AutoEncoder() defaults expressed with the options latentflow has today. */
export function pyodLikeConfig(d: number, seed: number): AutoencoderConfig {
  return {
    hiddenUnits: [64],
    codeSize: Math.min(32, d - 1),
    decoderUnits: [64],
    activation: 'relu',
    codeActivation: 'relu',
    dropout: 0.2,
    learningRate: 1e-3,
    epochs: 10,
    batchSize: 32,
    validationSplit: 0,
    earlyStopping: false,
    scoreBy: 'reconstruction',
    seed,
  };
}

function autoencoderMethod(config: (d: number, seed: number) => AutoencoderConfig, scalerMethod: ScalerMethod = 'standard', budgetEpochs?: number): Method {
  return async (x, seed) => {
    const scaler = new Scaler(scalerMethod).fit(x);
    const xs = scaler.transform(x);
    const model = new Autoencoder(x.cols, withBudgetEpochs(config(x.cols, seed), x.rows, budgetEpochs));
    const history = await model.fit(xs);
    fitThreshold(model.score(xs), { method: 'contamination', value: 0.1 });
    return {
      score: (m) => model.score(scaler.transform(m)),
      dispose: () => model.dispose(),
      info: { layers: model.layerUnits.join('-'), epochs: history.epochs, stoppedEarly: history.stoppedEarly },
    };
  };
}

/** Whether column j's 25th and 75th percentiles are equal (the robust scaler then divides by 1). */
function iqrIsZero(x: Matrix, j: number): boolean {
  const column = Float64Array.from({ length: x.rows }, (_, i) => x.data[i * x.cols + j]).sort();
  const at = (q: number) => column[Math.floor(q * (x.rows - 1))];
  return at(0.25) === at(0.75);
}

/**
 * Step-budget study (issue 12): the default step budget with `epochs` passes instead of TRAINING_BUDGET's, same
 * clamps; undefined keeps the default.
 */
function withBudgetEpochs(config: AutoencoderConfig, rows: number, epochs: number | undefined): AutoencoderConfig {
  if (epochs === undefined) return config;
  const b = TRAINING_BUDGET;
  const stepsPerEpoch = Math.ceil(Math.floor(rows * (1 - AUTOENCODER_DEFAULTS.validationSplit)) / AUTOENCODER_DEFAULTS.batchSize);
  return { ...config, budget: { steps: Math.min(b.maxSteps, Math.max(b.minSteps, epochs * stepsPerEpoch)), seconds: null } };
}

/**
 * Scale-invariance study (issue 12): robust scaling, except that a column whose IQR is 0 (more than half its
 * values equal: sparse pixels, counts, ordinal codes) is divided by its standard deviation instead of 1, so
 * no column's weight in the loss depends on its unit.
 */
function robustSdFallbackMethod(config: (d: number, seed: number) => AutoencoderConfig, budgetEpochs?: number): Method {
  return async (x, seed) => {
    const robust = new Scaler('robust').fit(x);
    const sd = new Scaler('standard').fit(x).scale;
    const center = robust.center;
    const scale = robust.scale.map((v, j) => (iqrIsZero(x, j) ? sd[j] : v));
    const prep = (m: Matrix): Matrix => {
      const out = new Float32Array(m.data.length);
      for (let i = 0; i < out.length; i++) out[i] = (m.data[i] - center[i % m.cols]) / scale[i % m.cols];
      return { data: out, rows: m.rows, cols: m.cols };
    };
    const xs = prep(x);
    const model = new Autoencoder(x.cols, withBudgetEpochs(config(x.cols, seed), x.rows, budgetEpochs));
    const history = await model.fit(xs);
    fitThreshold(model.score(xs), { method: 'contamination', value: 0.1 });
    return {
      score: (m) => model.score(prep(m)),
      dispose: () => model.dispose(),
      info: { layers: model.layerUnits.join('-'), epochs: history.epochs, stoppedEarly: history.stoppedEarly },
    };
  };
}

/**
 * Defaults study: one fit of `config`, every scoring rule of bench/peers/explore.ts as a variant.
 */
function exploreMethod(scalerMethod: 'standard' | 'robust', config: (d: number, seed: number) => AutoencoderConfig, clip = 0): Method {
  return async (x, seed) => {
    const scaler = new Scaler(scalerMethod).fit(x);
    const prep = (m: Matrix): Matrix => {
      const t = scaler.transform(m);
      if (clip > 0) for (let i = 0; i < t.data.length; i++) t.data[i] = Math.max(-clip, Math.min(clip, t.data[i]));
      return t;
    };
    const xs = prep(x);
    const model = new Autoencoder(x.cols, config(x.cols, seed));
    const history = await model.fit(xs);
    const trainRecon = model.reconstruct(xs);
    const st = ex.fitStats(xs, trainRecon, model.encode(xs));
    const rp1 = ex.fitReconPca(trainRecon, 1);
    const rp0 = ex.fitReconPca(trainRecon, 1e-6);
    const rp05 = ex.fitReconPca(trainRecon, 0.5);
    const rp2 = ex.fitReconPca(trainRecon, 2);
    const meanOf = (a: Float64Array) => a.reduce((t, v) => t + v, 0) / a.length;
    const balance = meanOf(ex.reconMahalanobis(trainRecon, rp1)) / (meanOf(ex.residualScores(xs, trainRecon, null)) * x.cols);
    const trainStd = ex.residualScores(xs, trainRecon, st.residualSd);
    const balanceStd = meanOf(ex.reconMahalanobis(trainRecon, rp1)) / (meanOf(trainStd) * x.cols);
    const d = x.cols;
    const k = model.config.codeSize;
    const parts = (m: Matrix) => {
      const t = prep(m);
      const recon = model.reconstruct(t);
      const code = model.encode(t);
      return {
        t,
        recon: ex.residualScores(t, recon, null),
        sd: ex.residualScores(t, recon, st.residualSd),
        mad: ex.residualScores(t, recon, st.residualMad),
        maha: ex.latentScores(code, st, false),
        rm1: ex.reconMahalanobis(recon, rp1),
        rm0: ex.reconMahalanobis(recon, rp0),
        rm05: ex.reconMahalanobis(recon, rp05),
        rm2: ex.reconMahalanobis(recon, rp2),
        diag: ex.latentScores(code, st, true),
      };
    };
    const combined = (m: Matrix) => {
      const p = parts(m);
      return ex.combine(p.sd, d / (d + k), p.maha, 1 / (d + k));
    };
    fitThreshold(Float32Array.from(combined(x)), { method: 'contamination', value: 0.1 });
    return {
      score: (m) => Float32Array.from(combined(m)),
      dispose: () => model.dispose(),
      info: { layers: model.layerUnits.join('-'), epochs: history.epochs, stoppedEarly: history.stoppedEarly },
      variants: {
        recon: (m) => parts(m).recon,
        'std-sd': (m) => parts(m).sd,
        'std-mad': (m) => parts(m).mad,
        maha: (m) => parts(m).maha,
        diag: (m) => parts(m).diag,
        'recon+maha': (m) => { const p = parts(m); return ex.combine(p.recon, 1, p.maha, 1 / k); },
        'sse+maha': (m) => { const p = parts(m); return ex.combine(p.recon, d / (d + k), p.maha, 1 / (d + k)); },
        'sse+rm1': (m) => { const p = parts(m); return ex.combine(p.recon, 1, p.rm1, 1 / d); },
        'bal+rm1': (m) => { const p = parts(m); return ex.combine(p.recon, d * balance, p.rm1, 1); },
        'balstd+rm1': (m) => { const p = parts(m); return ex.combine(p.sd, d * balanceStd, p.rm1, 1); },
        'max-norm': (m) => { const p = parts(m); return p.recon.map((v, i) => Math.max(v * d * balance, p.rm1[i])); },
        'sse+rm05': (m) => { const p = parts(m); return ex.combine(p.recon, 1, p.rm05, 1 / d); },
        'sse+rm2': (m) => { const p = parts(m); return ex.combine(p.recon, 1, p.rm2, 1 / d); },
        'sse+rm0': (m) => { const p = parts(m); return ex.combine(p.recon, 1, p.rm0, 1 / d); },
        'sse+diag': (m) => { const p = parts(m); return ex.combine(p.recon, d / (d + k), p.diag, 1 / (d + k)); },
        'mad+maha': (m) => { const p = parts(m); return ex.combine(p.mad, d / (d + k), p.maha, 1 / (d + k)); },
        'sd+diag': (m) => { const p = parts(m); return ex.combine(p.sd, d / (d + k), p.diag, 1 / (d + k)); },
        zsq: (m) => ex.sumSquares(prep(m)),
      },
    };
  };
}

/**
 * Ensemble study: K = 3 default models (one robust scaler, member i seeded with `memberSeed(seed, i)`), and
 * per member the two parts of `balanced` (standardized residual and manifold distance, each over its
 * training mean). Variants `x-ens/k{K}-w{W}`: the mean over the first K members of (r + W·m) / (1 + W).
 * fit_s covers all 3 members (K = 1, 2 cost about 1/3, 2/3 of it).
 */
function ensembleMethod(members: number): Method {
  return async (x, seed) => {
    const scaler = new Scaler(AUTOENCODER_SCALER).fit(x);
    const xs = scaler.transform(x);
    const models: Autoencoder[] = [];
    for (let i = 0; i < members; i++) {
      const model = new Autoencoder(x.cols, { seed: memberSeed(seed, i) });
      await model.fit(xs);
      models.push(model);
    }
    const tensors = models.map((m) => new ScoringTensors(m.scoring!));
    const parts = (raw: Matrix) => {
      const t = scaler.transform(raw);
      return models.map((model, i) => {
        const recon = model.reconstruct(t);
        const st = model.scoring!;
        const [r, m] = tf.tidy(() => {
          const p = tensors[i].parts(tf.tensor2d(t.data, [t.rows, t.cols]), tf.tensor2d(recon.data, [t.rows, t.cols]));
          return [tf.div(p.residual, st.residualNorm!), tf.div(p.manifold, st.manifoldNorm!)];
        });
        const out = { r: Float64Array.from(r.dataSync()), m: Float64Array.from(m.dataSync()) };
        r.dispose();
        m.dispose();
        return out;
      });
    };
    const mix = (p: { r: Float64Array; m: Float64Array }[], k: number, w: number) => {
      const out = new Float64Array(p[0].r.length);
      for (let i = 0; i < k; i++) for (let j = 0; j < out.length; j++) out[j] += (p[i].r[j] + w * p[i].m[j]) / (1 + w) / k;
      return out;
    };
    fitThreshold(Float32Array.from(mix(parts(x), members, 1)), { method: 'contamination', value: 0.1 });
    const variants: Record<string, (m: Matrix) => ArrayLike<number>> = {};
    for (let k = 1; k <= members; k++) for (const w of [0.25, 0.33, 0.5, 0.75, 1, 1.5, 2, 3]) variants[`k${k}-w${w}`] = (m) => mix(parts(m), k, w);
    return {
      score: (m) => Float32Array.from(mix(parts(m), members, 1)),
      dispose: () => { tensors.forEach((t) => t.dispose()); models.forEach((m) => m.dispose()); },
      info: { members },
      variants,
    };
  };
}

/**
 * Latent-density study (issue 12): one default fit; variants score by the distance to the k-th nearest
 * training row (PyOD KNN's "largest" rule, k = 5), in the scaled input space (`knn-in`) or in the code space
 * (`knn-z`), and blends of the default score with it: (s / mean_s + w · d / mean_d) / (1 + w), each over its
 * training mean (a training row's own distance leaves itself out).
 */
function knnMethod(k = 5): Method {
  return async (x, seed) => {
    const scaler = new Scaler(AUTOENCODER_SCALER).fit(x);
    const xs = scaler.transform(x);
    // The default fit with its own score alone: the study's variants add the distance themselves.
    const model = new Autoencoder(x.cols, { seed, neighbors: null });
    const history = await model.fit(xs);
    const zs = model.encode(xs);
    const meanOf = (a: ArrayLike<number>) => Array.from(a).reduce((t, v) => t + v, 0) / a.length;
    const baseMean = meanOf(model.score(xs));
    const inMean = meanOf(kthDistance(xs, xs, k, true));
    const zMean = meanOf(kthDistance(zs, zs, k, true));
    fitThreshold(model.score(xs), { method: 'contamination', value: 0.1 });
    const parts = (m: Matrix) => {
      const ms = scaler.transform(m);
      return { s: model.score(ms), din: kthDistance(xs, ms, k, false), dz: kthDistance(zs, model.encode(ms), k, false) };
    };
    const blend = (s: ArrayLike<number>, d: Float64Array, dMean: number, w: number) => Float64Array.from(d, (v, i) => (s[i] / baseMean + (w * v) / dMean) / (1 + w));
    const variants: Record<string, (m: Matrix) => ArrayLike<number>> = {
      'knn-in': (m) => parts(m).din,
      'knn-z': (m) => parts(m).dz,
    };
    for (const w of of(args['knn-weights'], [0.25, 0.5, 1, 2, 4])) {
      if (args['knn-weights'] === undefined) variants[`blend-in-w${w}`] = (m) => { const p = parts(m); return blend(p.s, p.din, inMean, w); };
      variants[`blend-z-w${w}`] = (m) => { const p = parts(m); return blend(p.s, p.dz, zMean, w); };
    }
    // Fewer reference codes (a seeded sample) make scoring cheaper: is the density estimate as good?
    for (const refs of of(args['knn-refs'], [])) {
      if (zs.rows <= refs) continue;
      const picked = permutation(zs.rows, seededRandom(seed)).subarray(0, refs).sort();
      const sub: Matrix = { data: new Float32Array(refs * zs.cols), rows: refs, cols: zs.cols };
      picked.forEach((r, i) => sub.data.set(zs.data.subarray(r * zs.cols, (r + 1) * zs.cols), i * zs.cols));
      const subMean = meanOf(kthDistance(sub, sub, k, true));
      for (const w of of(args['knn-weights'], [1])) {
        variants[`blend-z-w${w}-r${refs}`] = (m) => {
          const ms = scaler.transform(m);
          return blend(model.score(ms), kthDistance(sub, model.encode(ms), k, false), subMean, w);
        };
      }
    }
    return {
      score: (m) => model.score(scaler.transform(m)),
      dispose: () => model.dispose(),
      info: { layers: model.layerUnits.join('-'), epochs: history.epochs, k },
      variants,
    };
  };
}

/** A comma-separated list of numbers, or the default. */
function of(list: string | undefined, fallback: number[]): number[] {
  return list === undefined ? fallback : list.split(',').map(Number);
}

/** Per query row, the Euclidean distance to its k-th nearest reference row (the row itself left out when `self`). */
function kthDistance(ref: Matrix, q: Matrix, k: number, self: boolean): Float64Array {
  const d = ref.cols;
  const out = new Float64Array(q.rows);
  const kk = self ? k + 1 : k;
  const best = new Float64Array(kk);
  for (let i = 0; i < q.rows; i++) {
    best.fill(Infinity);
    const qi = i * d;
    for (let j = 0; j < ref.rows; j++) {
      const rj = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = q.data[qi + c] - ref.data[rj + c];
        s += t * t;
      }
      if (s < best[kk - 1]) {
        let p = kk - 1;
        while (p > 0 && best[p - 1] > s) {
          best[p] = best[p - 1];
          p--;
        }
        best[p] = s;
      }
    }
    out[i] = Math.sqrt(best[kk - 1]);
  }
  return out;
}

/** Member i's seed in an ensemble: a 32-bit mix of the ensemble seed and i (member 0 keeps the seed). */
function memberSeed(seed: number, i: number): number {
  return i === 0 ? seed : (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i, 0xc2b2ae35)) >>> 0;
}

const d4 = (d: number) => Math.max(1, Math.ceil(d / 4));
/** A hidden width of 4 × the default code, between `min` and 128 units (the default rule has min 8). */
const clampedHidden = (d: number, min: number) => Math.min(128, Math.max(min, 4 * defaultCodeSize(d)));

const METHODS: Record<string, Method> = {
  'x-default': exploreMethod('standard', (_d, seed) => ({ seed })),
  'x-robust': exploreMethod('robust', (_d, seed) => ({ seed })),
  'x-robust-clip': exploreMethod('robust', (_d, seed) => ({ seed }), 5),
  'x-e20': exploreMethod('standard', (_d, seed) => ({ seed, epochs: 20 })),
  'x-e20-b64': exploreMethod('standard', (_d, seed) => ({ seed, epochs: 20, batchSize: 64 })),
  'x-robust-e20': exploreMethod('robust', (_d, seed) => ({ seed, epochs: 20 })),
  'x-robust-e10-lr3': exploreMethod('robust', (_d, seed) => ({ seed, epochs: 10, learningRate: 3e-3 })),
  'x-robust-e10-b128': exploreMethod('robust', (_d, seed) => ({ seed, epochs: 10, batchSize: 128 })),
  'x-robust-e10': exploreMethod('robust', (_d, seed) => ({ seed, epochs: 10 })),
  'x-e10': exploreMethod('standard', (_d, seed) => ({ seed, epochs: 10 })),
  'x-e10-lr3': exploreMethod('standard', (_d, seed) => ({ seed, epochs: 10, learningRate: 3e-3 })),
  'x-e20-c4': exploreMethod('standard', (_d, seed) => ({ seed, epochs: 20, codeSize: Math.min(d4(_d), _d - 1) })),
  'x-pyodlike': exploreMethod('standard', pyodLikeConfig),
  'x-ens': ensembleMethod(3),
  'x-knn': knnMethod(5),
  'lf-default': autoencoderMethod((_d, seed) => ({ seed }), AUTOENCODER_SCALER),
  'lf-previous': autoencoderMethod((_d, seed) => ({ seed, epochs: 50, scoreBy: 'reconstruction' })),
  'lf-pyodlike': autoencoderMethod(pyodLikeConfig),
  // Options not in AutoencoderConfig yet: the cast lets this compile either way; the constructor decides.
  'lf-pyodlike-bn': autoencoderMethod((d, seed) => ({ ...pyodLikeConfig(d, seed), batchNorm: true, weightDecay: 1e-5 })),
  // Candidate defaults of issue 12, compared on the tune half only (bench/results/peers-tune-candidates.md).
  'c-base': autoencoderMethod((_d, seed) => ({ seed }), AUTOENCODER_SCALER),
  'c-std': autoencoderMethod((_d, seed) => ({ seed }), 'standard'),
  'c-rsd': robustSdFallbackMethod((_d, seed) => ({ seed })),
  'c-e200': autoencoderMethod((_d, seed) => ({ seed }), AUTOENCODER_SCALER, 200),
  'c-e600': autoencoderMethod((_d, seed) => ({ seed }), AUTOENCODER_SCALER, 600),
  'w-recon-nb': autoencoderMethod((_d, seed) => ({ seed, scoreBy: 'reconstruction', neighbors: { k: 5, weight: 0.5 } }), AUTOENCODER_SCALER),
  'w-recon': autoencoderMethod((_d, seed) => ({ seed, scoreBy: 'reconstruction' }), AUTOENCODER_SCALER),
  'w-std': autoencoderMethod((_d, seed) => ({ seed, scoreBy: 'standardized' }), AUTOENCODER_SCALER),
  'c-rsd-e600': robustSdFallbackMethod((_d, seed) => ({ seed }), 600),
  'c-h32': autoencoderMethod((d, seed) => ({ seed, hiddenUnits: [clampedHidden(d, 32)] }), AUTOENCODER_SCALER),
  'c-h32-lr3': autoencoderMethod((d, seed) => ({ seed, hiddenUnits: [clampedHidden(d, 32)], learningRate: 3e-3 }), AUTOENCODER_SCALER),
  'c-lr3': autoencoderMethod((_d, seed) => ({ seed, learningRate: 3e-3 }), AUTOENCODER_SCALER),
  'c-abs': autoencoderMethod((_d, seed) => ({ seed, earlyStopping: { minRelativeDelta: 0 } }), AUTOENCODER_SCALER),
  'c-h32-trim': autoencoderMethod((d, seed) => ({ seed, hiddenUnits: [clampedHidden(d, 32)], trim: 0.1 }), AUTOENCODER_SCALER),
  'c-e10': autoencoderMethod((_d, seed) => ({ seed, epochs: 10, earlyStopping: { patience: 5, minRelativeDelta: 0 } }), AUTOENCODER_SCALER),
  'lf-ens2': ensembleProductMethod(2),
  'lf-ens4': ensembleProductMethod(4),
  'lf-ens4-varied': ensembleProductMethod(4, 'varied'),
  'lf-pca': pcaMethod({}),
  'lf-pca-recon': pcaMethod({ scoreBy: 'reconstruction' }),
  'lf-auto': detectorMethod({ features: 'auto' }),
  'lf-numeric': detectorMethod({ features: 'numeric' }),
  'lf-auto-pca': detectorMethod({ type: 'pca', features: 'auto' }),
  'lf-numeric-recon': detectorMethod({ features: 'numeric', model: { scoreBy: 'reconstruction', neighbors: null } }),
};

/** The product's ensemble of `size` default members; see the header for the `k{K}` variants. */
function ensembleProductMethod(size: number, widths: 'same' | 'varied' = 'same'): Method {
  return async (x, seed) => {
    const scaler = new Scaler(AUTOENCODER_SCALER).fit(x);
    const xs = scaler.transform(x);
    const model = new AutoencoderEnsemble(x.cols, { seed, ensemble: { size, widths } });
    const history = await model.fit(xs);
    fitThreshold(model.score(xs), { method: 'contamination', value: 0.1 });
    const scales = model.scoreScales;
    const firstK = (m: Matrix, k: number) => {
      const t = scaler.transform(m);
      const out = new Float64Array(t.rows);
      for (let i = 0; i < k; i++) model.member(i).score(t).forEach((v, r) => (out[r] += v / scales[i] / k));
      return out;
    };
    const variants: Record<string, (m: Matrix) => ArrayLike<number>> = {};
    for (let k = 1; k < size; k++) variants[`k${k}`] = (m) => firstK(m, k);
    return {
      score: (m) => model.score(scaler.transform(m)),
      dispose: () => model.dispose(),
      variants,
      info: { members: size, steps: history.steps, converged: history.converged },
    };
  };
}

/**
 * The library's `fitDetector` (the `latentflow fit` road: its scaler, encoding, model and threshold defaults),
 * seeded with the split seed, on the split's columns as they are.
 */
function detectorMethod(options: FitDetectorOptions): Method {
  return async (x, seed, table) => {
    const detector = await fitDetector(table ?? x, { ...options, seed });
    const encoding = detector.detector.encoding;
    return {
      score: (m, t) => detector.score(t ?? m),
      dispose: () => detector.dispose(),
      info: { features: detector.features.length, slots: encoding?.width ?? detector.features.length },
    };
  };
}

function pcaMethod(config: PcaConfig): Method {
  return async (x) => {
    const scaler = new Scaler('standard').fit(x);
    const xs = scaler.transform(x);
    const model = new PcaModel(config).fit(xs);
    fitThreshold(model.score(xs), { method: 'contamination', value: 0.1 });
    return { score: (m) => model.score(scaler.transform(m)), dispose: () => undefined, info: { k: model.k } };
  };
}

/** A split: its numeric feature columns as a matrix, every feature column as read, and the labels. */
async function readSplit(file: string): Promise<{ x: Matrix; table: Table; labels: Int8Array }> {
  const table = tableFromIPC(pw.readParquet(new Uint8Array(await readFile(file))).intoIPCStream());
  const features = table.schema.fields.map((f) => f.name).filter((n) => n !== 'label');
  // Mixed-type sets write numbers as float64 and categories as text; the matrix methods see the numbers only.
  const names = table.schema.fields.filter((f) => f.name !== 'label' && DataType.isFloat(f.type)).map((f) => f.name);
  const rows = table.numRows;
  const cols = names.length;
  const data = new Float32Array(rows * cols);
  names.forEach((name, j) => {
    const column = table.getChild(name)!.toArray() as Float64Array;
    for (let r = 0; r < rows; r++) data[r * cols + j] = column[r];
  });
  const labels = Int8Array.from(table.getChild('label')!.toArray() as Int8Array);
  return { x: { data, rows, cols }, table: table.select(features), labels };
}

function scoringRate(fitted: Fitted, x: Matrix, table: Table): number {
  let reps = 0;
  const started = performance.now();
  for (;;) {
    fitted.score(x, table);
    reps++;
    const elapsedS = (performance.now() - started) / 1000;
    if (elapsedS >= minScoreS || reps >= 10_000) return (reps * x.rows) / elapsedS;
  }
}

function randomMatrix(rows: number, cols: number): Matrix {
  let state = 12345;
  const data = new Float32Array(rows * cols).map(() => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  });
  return { data, rows, cols };
}

async function main(): Promise<void> {
  const backend = await selectBackend(args.backend as 'auto');
  const manifest = JSON.parse(await readFile(path.join(args.data, 'manifest.json'), 'utf8')) as { datasets: DatasetEntry[] };
  const requested = args.methods.split(',');
  for (const m of requested) if (!(m in METHODS)) throw new Error(`run-latentflow: unknown method ${m}; expected ${Object.keys(METHODS).join(', ')}`);
  const skipped: Record<string, string> = {};
  const methods = requested.filter((m) => {
    if (m !== 'lf-pyodlike-bn') return true;
    try {
      new Autoencoder(8, { ...pyodLikeConfig(8, 0), batchNorm: true, weightDecay: 1e-5 } as AutoencoderConfig);
      return true;
    } catch (error) {
      skipped[m] = (error as Error).message;
      console.error(`run-latentflow: skipping ${m}: ${skipped[m]}`);
      return false;
    }
  });
  const loadavg = os.loadavg();

  const warm = randomMatrix(256, 8);
  for (const m of methods) {
    const fitted = await METHODS[m](warm, 0);
    fitted.score(warm);
    fitted.dispose();
  }

  const results: Record<string, unknown>[] = [];
  for (const ds of manifest.datasets) {
    for (const split of ds.splits) {
      const train = await readSplit(path.join(args.data, split.train));
      const test = await readSplit(path.join(args.data, split.test));
      for (const m of methods) {
        const started = performance.now();
        const fitted = await METHODS[m](train.x, split.seed, train.table);
        const fitS = (performance.now() - started) / 1000;
        try {
          const scores = fitted.score(test.x, test.table);
          const rate = scoringRate(fitted, test.x, test.table);
          const r = {
            dataset: ds.name,
            seed: split.seed,
            method: m,
            fit_s: fitS,
            score_rows_s: rate,
            roc_auc: rocAuc(scores, test.labels),
            ap: averagePrecision(scores, test.labels),
            ...fitted.info,
            scores: Array.from(scores),
          };
          results.push(r);
          for (const [v, fn] of Object.entries(fitted.variants ?? {})) {
            const vs = Array.from(fn(test.x));
            results.push({ dataset: ds.name, seed: split.seed, method: `${m}/${v}`, fit_s: fitS, score_rows_s: null,
              roc_auc: rocAuc(vs, test.labels), ap: averagePrecision(vs, test.labels), scores: vs });
          }
          console.error(
            `${ds.name.padEnd(15)} seed ${split.seed} ${m.padEnd(11)} auc ${r.roc_auc.toFixed(3)} ap ${r.ap.toFixed(3)} fit ${fitS.toFixed(2).padStart(7)}s score ${rate.toFixed(0).padStart(10)} rows/s`,
          );
        } finally {
          fitted.dispose();
        }
      }
    }
    await save(results, { backend: backend.name, loadavg, skipped, complete: false });
  }
  await save(results, { backend: backend.name, loadavg, skipped, complete: true });
}

/**
 * Writes the results so far (after every data set, and at the end with `complete: true`): a run stopped at a
 * deadline still leaves every finished set. Written to a temporary file and renamed, so merge.py never reads
 * half a file.
 */
async function save(results: Record<string, unknown>[], run: { backend: string; loadavg: number[]; skipped: Record<string, string>; complete: boolean }): Promise<void> {
  const git = (...a: string[]) => execFileSync('git', ['-C', root, ...a], { encoding: 'utf8' }).trim();
  const env = {
    commit: git('rev-parse', '--short', 'HEAD'),
    srcModified: git('status', '--porcelain', 'src') !== '',
    node: process.version,
    backend: run.backend,
    tfjs: tf.version_core,
    cpus: os.cpus().length,
    loadavg: run.loadavg,
    loadavgEnd: os.loadavg(),
    numTensorsEnd: tf.memory().numTensors,
    skipped: run.skipped,
    complete: run.complete,
  };
  await mkdir(path.dirname(args.out), { recursive: true });
  const tmp = `${args.out}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify({ runner: 'latentflow', env, results }));
  await rename(tmp, args.out);
}

await main();
