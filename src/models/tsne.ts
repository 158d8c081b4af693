import { DataError, LatentflowError, ModelConfigError, ModelStateError } from '../errors.js';
import type { z } from 'zod';
import type { Matrix } from './matrix.js';
import { parseOptions } from './option-schema.js';
import { resolvedTsneOptions, type TsneConfig } from './tsne-options.js';
import { nearestNeighbors, type Neighbors } from './nearest-neighbors.js';
import { SpaceTree } from './space-tree.js';
import { PcaModel } from './pca.js';
import { gaussian, seededRandom } from './random.js';

export { TSNE_MAX_ROWS } from './tsne-options.js';
export type { TsneConfig } from './tsne-options.js';

/** What `onIteration` receives after every iteration. */
export interface TsneIterationLog {
  /** 1-based iteration just finished. */
  iteration: number;
  /** Iterations the fit will run. */
  iterations: number;
  /** KL divergence between input and output similarities, computed every 50 iterations and at the last; else undefined. */
  klDivergence?: number;
  /** Time since the fit started (including the neighbour search), in milliseconds. */
  elapsedMs: number;
}

/** Caller hooks of `TsneModel.fit`. */
export interface TsneFitOptions {
  /** Called after every iteration; return (or resolve to) `false` to stop with the layout as it is. */
  onIteration?: (log: TsneIterationLog) => void | boolean | Promise<void | boolean>;
  /** Aborting rejects the fit with a `LatentflowError` code `E_ABORTED`; the model stays as before. */
  signal?: AbortSignal;
  /** Longest stretch of synchronous work between yields to the event loop, in milliseconds. Default 50. */
  yieldEveryMs?: number;
}

type ResolvedConfig = z.output<typeof resolvedTsneOptions>;

const KL_EVERY = 50;
const MIN_GAIN = 0.01;
const PERPLEXITY_TOLERANCE = 1e-5;
const MACHINE_EPSILON = Number.EPSILON;

/**
 * t-SNE (van der Maaten & Hinton 2008) with Barnes-Hut repulsion (van der Maaten 2014) over `Matrix` rows,
 * for maps of up to about ten thousand rows; for more, UMAP fits a sample and places the rest.
 *
 * Input similarities use each row's 3 x perplexity exact nearest neighbours (squared Euclidean distances),
 * symmetrised; the layout follows scikit-learn's optimiser (gains, momentum 0.5 then 0.8, early exaggeration)
 * for a fixed number of iterations. All arithmetic runs in float64 in a fixed order, so the same data, config
 * and seed give bit-identical coordinates. (The tsne-js package was measured at 0.4 s per iteration for 1,000
 * rows, exact O(n^2) only, synchronous and seeded by `Math.random`; this implementation replaces it.)
 */
export class TsneModel {
  readonly config: Readonly<ResolvedConfig>;
  private fitted: { rows: number; cols: number; iterations: number; klDivergence: number; embedding: Matrix } | undefined;
  private isFitting = false;

  constructor(config: TsneConfig = {}) {
    this.config = validateTsneConfig(config);
  }

  /** True after a successful `fit`. */
  get isFitted(): boolean {
    return this.fitted !== undefined;
  }

  /** Iterations the last fit ran (fewer than `iterations` when `onIteration` stopped it). */
  get iterations(): number {
    return this.require('iterations').iterations;
  }

  /** KL divergence of the final layout (lower is a more faithful neighbourhood map). */
  get klDivergence(): number {
    return this.require('klDivergence').klDivergence;
  }

  /** Coordinates of the fitted rows, `rows x nComponents` (a copy). */
  get embedding(): Matrix {
    const e = this.require('embedding').embedding;
    return { data: e.data.slice(), rows: e.rows, cols: e.cols };
  }

  /** The learning rate a fit on `rows` rows uses. */
  learningRateFor(rows: number): number {
    const lr = this.config.learningRate;
    return lr === 'auto' ? Math.max(rows / this.config.earlyExaggeration / 4, 50) : lr;
  }

  /**
   * Lays out the rows of `m` (at least 2 rows, more than `perplexity`, at most `maxRows`, finite values) and
   * returns their coordinates, `rows x nComponents`. t-SNE has no transform: new rows need a new fit.
   */
  async fit(m: Matrix, options: TsneFitOptions = {}): Promise<Matrix> {
    if (this.isFitting) throw new ModelStateError('tsne: fit called while another fit is running; await it first');
    this.isFitting = true;
    try {
      const c = this.config;
      if (m.rows > c.maxRows) throw tooManyRowsError(m.rows, c.maxRows);
      if (m.rows < 2 || c.perplexity >= m.rows) {
        throw new ModelConfigError(
          'perplexity',
          `tsne: perplexity=${c.perplexity} must be below the number of rows (${m.rows}); lower perplexity or add rows`,
        );
      }
      checkFinite(m);
      const started = performance.now();
      const yieldEveryMs = options.yieldEveryMs ?? 50;
      let lastYield = performance.now();
      const pause = async (): Promise<void> => {
        if (performance.now() - lastYield < yieldEveryMs) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
        checkAbort(options.signal);
      };
      checkAbort(options.signal);

      const k = Math.min(m.rows - 1, Math.floor(3 * c.perplexity));
      const knn = await nearestNeighbors(m, k, pause);
      const p = jointProbabilities(knn, m.rows, k, c.perplexity);
      const y = initialLayout(m, c);
      const result = await optimize(y, p, m.rows, c, this.learningRateFor(m.rows), started, options, pause);

      const out = new Float32Array(y.length);
      for (let i = 0; i < y.length; i++) out[i] = y[i];
      const embedding = { data: out, rows: m.rows, cols: c.nComponents };
      this.fitted = { rows: m.rows, cols: m.cols, iterations: result.iterations, klDivergence: result.klDivergence, embedding };
      return { data: out.slice(), rows: m.rows, cols: c.nComponents };
    } finally {
      this.isFitting = false;
    }
  }

  private require(op: string): NonNullable<TsneModel['fitted']> {
    if (!this.fitted) throw new ModelStateError(`tsne: ${op} read before fit; call fit(m) first`);
    return this.fitted;
  }
}

/**
 * The DataError for `rows` rows above `maxRows`. Exported so a stage can stop buffering at the same limit with
 * the same message.
 */
export function tooManyRowsError(rows: number, maxRows: number): DataError {
  return new DataError(
    `tsne: ${rows} rows exceed maxRows=${maxRows}; t-SNE is for small sets (its time grows faster than the row count). ` +
      'Use the umap stage (sampleRows fits a seeded sample and places the other rows), map a sample of the rows, ' +
      'or raise maxRows if you can wait; codes written to Parquet also map with openTSNE or umap-learn in Python',
    { expected: `at most ${maxRows} rows`, received: `${rows} rows` },
  );
}

/** Symmetric input similarities P in CSR form; `values` sum to 1. */
interface SparseP {
  rowStart: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

/**
 * Conditional probabilities p(j|i) over each row's neighbours with the Gaussian bandwidth found by bisection
 * to match the perplexity (scikit-learn's `_binary_search_perplexity`), then P = (P + P^T) / sum.
 */
function jointProbabilities(knn: Neighbors, n: number, k: number, perplexity: number): SparseP {
  const conditional = new Float64Array(n * k);
  const desiredEntropy = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let beta = 1;
    let betaMin = -Infinity;
    let betaMax = Infinity;
    for (let step = 0; step < 100; step++) {
      let sumP = 0;
      for (let t = 0; t < k; t++) {
        const v = Math.exp(-knn.distances[o + t] * beta);
        conditional[o + t] = v;
        sumP += v;
      }
      if (sumP === 0) sumP = 1e-8;
      let sumDistP = 0;
      for (let t = 0; t < k; t++) {
        conditional[o + t] /= sumP;
        sumDistP += knn.distances[o + t] * conditional[o + t];
      }
      const entropyDiff = Math.log(sumP) + beta * sumDistP - desiredEntropy;
      if (Math.abs(entropyDiff) <= PERPLEXITY_TOLERANCE) break;
      if (entropyDiff > 0) {
        betaMin = beta;
        beta = betaMax === Infinity ? beta * 2 : (beta + betaMax) / 2;
      } else {
        betaMax = beta;
        beta = betaMin === -Infinity ? beta / 2 : (beta + betaMin) / 2;
      }
    }
  }

  // P + P^T: row i holds its own neighbours and every row that has i as a neighbour; merge equal columns.
  const counts = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    counts[i] += k;
    for (let t = 0; t < k; t++) counts[knn.indices[i * k + t]]++;
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + counts[i];
  const fill = start.slice(0, n);
  const cols = new Int32Array(start[n]);
  const vals = new Float64Array(start[n]);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = knn.indices[i * k + t];
      const v = conditional[i * k + t];
      cols[fill[i]] = j;
      vals[fill[i]++] = v;
      cols[fill[j]] = i;
      vals[fill[j]++] = v;
    }
  }
  const rowStart = new Int32Array(n + 1);
  const outCols: number[] = [];
  const outVals: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: start[i + 1] - start[i] }, (_, e) => start[i] + e).sort((a, b) => cols[a] - cols[b] || a - b);
    for (let e = 0; e < order.length; e++) {
      const col = cols[order[e]];
      const v = vals[order[e]];
      if (outCols.length > rowStart[i] && outCols[outCols.length - 1] === col) {
        outVals[outVals.length - 1] += v;
      } else {
        outCols.push(col);
        outVals.push(v);
      }
      total += v;
    }
    rowStart[i + 1] = outCols.length;
  }
  const values = Float64Array.from(outVals);
  const norm = Math.max(total, MACHINE_EPSILON);
  for (let e = 0; e < values.length; e++) values[e] = Math.max(values[e] / norm, MACHINE_EPSILON);
  return { rowStart, cols: Int32Array.from(outCols), values };
}

function initialLayout(m: Matrix, c: ResolvedConfig): Float64Array {
  const d = c.nComponents;
  const y = new Float64Array(m.rows * d);
  if (c.init === 'pca' && m.cols >= d && m.rows > d) {
    const codes = new PcaModel({ k: d }).fit(m).encode(m);
    let mean = 0;
    for (let r = 0; r < m.rows; r++) mean += codes.data[r * d];
    mean /= m.rows;
    let variance = 0;
    for (let r = 0; r < m.rows; r++) variance += (codes.data[r * d] - mean) ** 2;
    const sd = Math.sqrt(variance / m.rows);
    if (sd > 0) {
      for (let i = 0; i < y.length; i++) y[i] = (codes.data[i] / sd) * 1e-4;
      return y;
    }
  }
  const random = seededRandom(c.seed);
  for (let i = 0; i < y.length; i++) y[i] = gaussian(random) * 1e-4;
  return y;
}

async function optimize(
  y: Float64Array,
  p: SparseP,
  n: number,
  c: ResolvedConfig,
  learningRate: number,
  started: number,
  options: TsneFitOptions,
  pause: () => Promise<void>,
): Promise<{ iterations: number; klDivergence: number }> {
  const d = c.nComponents;
  const grad = new Float64Array(n * d);
  const update = new Float64Array(n * d);
  const gains = new Float64Array(n * d).fill(1);
  const tree = new SpaceTree(d, n);
  const repulsion = new Float64Array(d);
  let klDivergence = NaN;
  let iteration = 0;
  for (let it = 0; it < c.iterations; it++) {
    const isEarly = it < c.earlyExaggerationIterations;
    if (it === c.earlyExaggerationIterations && it > 0) {
      // scikit-learn restarts its optimiser (zero updates, unit gains) when exaggeration ends.
      update.fill(0);
      gains.fill(1);
    }
    const exaggeration = isEarly ? c.earlyExaggeration : 1;
    const momentum = isEarly ? 0.5 : 0.8;
    const isKlDue = (it + 1) % KL_EVERY === 0 || it === c.iterations - 1;

    // Repulsion first: its normalisation Z is needed by the KL divergence of the attractive pass.
    tree.build(y);
    let z = 0;
    for (let i = 0; i < n; i++) {
      z += tree.repulsion(y, i, c.theta, repulsion);
      for (let t = 0; t < d; t++) grad[i * d + t] = -repulsion[t];
    }
    const zSafe = Math.max(z, MACHINE_EPSILON);
    for (let e = 0; e < grad.length; e++) grad[e] /= zSafe;

    let kl = 0;
    const { rowStart, cols, values } = p;
    if (d === 2 && !isKlDue) {
      attract2d(y, grad, p, n, exaggeration);
    } else for (let i = 0; i < n; i++) {
      const oi = i * d;
      const end = rowStart[i + 1];
      for (let e = rowStart[i]; e < end; e++) {
        const oj = cols[e] * d;
        let dist2 = 0;
        for (let t = 0; t < d; t++) {
          const diff = y[oi + t] - y[oj + t];
          dist2 += diff * diff;
        }
        const qz = 1 / (1 + dist2);
        const w = exaggeration * values[e] * qz;
        for (let t = 0; t < d; t++) grad[oi + t] += w * (y[oi + t] - y[oj + t]);
        if (isKlDue) kl += values[e] * Math.log(values[e] / Math.max(qz / zSafe, MACHINE_EPSILON));
      }
    }

    for (let e = 0; e < y.length; e++) {
      const g = 4 * grad[e];
      const gain = update[e] * g < 0 ? gains[e] + 0.2 : gains[e] * 0.8;
      gains[e] = gain < MIN_GAIN ? MIN_GAIN : gain;
      update[e] = momentum * update[e] - learningRate * gains[e] * g;
      y[e] += update[e];
    }
    iteration = it + 1;
    if (isKlDue) klDivergence = kl;
    const verdict = await options.onIteration?.({
      iteration,
      iterations: c.iterations,
      klDivergence: isKlDue ? kl : undefined,
      elapsedMs: performance.now() - started,
    });
    if (verdict === false) break;
    await pause();
  }
  if (!y.every(Number.isFinite)) {
    throw new LatentflowError('E_TRAINING_DIVERGED', `tsne: the layout became non-finite; lower learningRate (used ${learningRate})`);
  }
  return { iterations: iteration, klDivergence };
}

/** The attractive pass for 2-D output without the KL divergence: the common case, unrolled. */
function attract2d(y: Float64Array, grad: Float64Array, p: SparseP, n: number, exaggeration: number): void {
  const { rowStart, cols, values } = p;
  for (let i = 0; i < n; i++) {
    const xi = y[2 * i];
    const yi = y[2 * i + 1];
    let gx = 0;
    let gy = 0;
    const end = rowStart[i + 1];
    for (let e = rowStart[i]; e < end; e++) {
      const j = cols[e];
      const dx = xi - y[2 * j];
      const dy = yi - y[2 * j + 1];
      const w = (exaggeration * values[e]) / (1 + dx * dx + dy * dy);
      gx += w * dx;
      gy += w * dy;
    }
    grad[2 * i] += gx;
    grad[2 * i + 1] += gy;
  }
}

function checkFinite(m: Matrix): void {
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new DataError(`tsne: cannot fit on a non-finite value in feature column ${i % m.cols}; drop or impute missing values first`, {
        row: Math.floor(i / m.cols),
        expected: 'finite number',
        received: String(m.data[i]),
      });
    }
  }
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  if (signal.reason instanceof LatentflowError) throw signal.reason;
  throw new LatentflowError('E_ABORTED', 'tsne: fit aborted', { cause: signal.reason });
}

function validateTsneConfig(config: TsneConfig): ResolvedConfig {
  return parseOptions(resolvedTsneOptions, config);
}
