import { UMAP } from 'umap-js';
import { makeForest } from 'umap-js/dist/tree.js';
import { findABParams } from 'umap-js/dist/umap.js';
import { DataError, LatentflowError, ModelStateError } from '../errors.js';
import type { Matrix } from './matrix.js';
import { parseOptions } from './option-schema.js';
import { seededRandom } from './random.js';
import { nnDescent } from './nn-descent.js';
import { fuzzyUnionEdges } from './umap-graph.js';
import { UmapLayout } from './umap-layout.js';
import { type UmapConfig, umapOptions, UMAP_DEFAULTS } from './umap-options.js';

export type { UmapConfig } from './umap-options.js';

/** What `onEpoch` receives after every fit epoch. */
export interface UmapEpochLog {
  /** 1-based epoch just finished. */
  epoch: number;
  /** Epochs the fit will run. */
  nEpochs: number;
  /** Time since the fit started (including the neighbour graph), in milliseconds. */
  elapsedMs: number;
}

/** Caller hooks of `UmapModel.fit`. */
export interface UmapFitOptions {
  /** Called after every epoch; return (or resolve to) `false` to stop early with the layout as it is. */
  onEpoch?: (log: UmapEpochLog) => void | boolean | Promise<void | boolean>;
  /** Aborting rejects the fit with a `LatentflowError` code `E_ABORTED`; the model stays unfitted. */
  signal?: AbortSignal;
  /** Longest stretch of epochs between yields to the event loop, in milliseconds. Default 50. */
  yieldEveryMs?: number;
}

/** Caller hooks of `UmapModel.transform`. */
export interface UmapTransformOptions {
  /** Called after every chunk of rows is placed, with the rows placed so far. */
  onProgress?: (log: { rows: number; totalRows: number; elapsedMs: number }) => void;
  /** Aborting rejects the transform with a `LatentflowError` code `E_ABORTED`. */
  signal?: AbortSignal;
}

/**
 * umap-js members this wrapper uses: private in its typings, plain fields and methods at run time. The fit
 * calls umap-js's neighbour search and membership strengths itself and lays out with `UmapLayout`; it then
 * fills in what umap-js's own `transform` reads (`X`, `embedding`, the search graph, `a`/`b`).
 */
interface UmapInternals {
  nEpochs: number;
  localConnectivity: number;
  X: number[][];
  knnIndices: number[][];
  knnDistances: number[][];
  embedding: number[][];
  searchGraph: unknown;
  rpForest: unknown[];
  random: () => number;
  optimizationState: { a: number; b: number };
  nearestNeighbors(X: number[][]): { knnIndices: number[][]; knnDistances: number[][] };
  smoothKNNDistance(distances: number[][], k: number, localConnectivity: number): { sigmas: number[]; rhos: number[] };
  computeMembershipStrengths(
    knnIndices: number[][],
    knnDistances: number[][],
    sigmas: number[],
    rhos: number[],
  ): { rows: number[]; cols: number[]; vals: number[] };
  makeSearchFns(): void;
  makeSearchGraph(X: number[][]): unknown;
}

/** Rows per umap-js `transform` call: each call is synchronous, so this bounds the time between yields (~0.2 s). */
const TRANSFORM_CHUNK_ROWS = 256;

/**
 * UMAP dimensionality reduction over `Matrix` rows: `fit` lays out the training rows, `transform` places new
 * rows into that layout without moving it. The fit is umap-js's algorithm with its three slow parts over flat
 * typed arrays (Euclidean neighbours: nn-descent.ts; the fuzzy union: umap-graph.ts; the epochs:
 * umap-layout.ts) and umap-js's membership strengths, `a`/`b` fit and `transform`. Seeded generators drive
 * every random choice (neighbour search, initial layout, negative samples, transform), so the same seed, data
 * and call sequence give bit-identical coordinates. The start is umap-js's random layout, not umap-learn's
 * spectral one.
 *
 * The neighbour graph is built in one synchronous call (about 8 s of CPU at 50,000 x 32); the epochs after it
 * report progress, can stop, and yield to the event loop.
 */
export class UmapModel {
  readonly config: Readonly<Required<Omit<UmapConfig, 'nEpochs' | 'transformEpochs'>> & Pick<UmapConfig, 'nEpochs' | 'transformEpochs'>>;
  private umap: UMAP | undefined;
  /** Whether umap-js's search graph for `transform` is built: it takes seconds, so only the first transform builds it. */
  private searchReady = false;
  private fitted: { rows: number; cols: number; epochs: number; embedding: Matrix } | undefined;
  private isBusy = false;

  constructor(config: UmapConfig = {}) {
    this.config = validateUmapConfig(config);
  }

  /** True after a successful `fit`. */
  get isFitted(): boolean {
    return this.fitted !== undefined;
  }

  /** Epochs the last fit ran (fewer than planned when `onEpoch` stopped it). */
  get epochs(): number {
    return this.require('epochs').epochs;
  }

  /** Coordinates of the fitted rows, `rows x nComponents` (a copy). */
  get embedding(): Matrix {
    const e = this.require('embedding').embedding;
    return { data: e.data.slice(), rows: e.rows, cols: e.cols };
  }

  /** Fit epochs for `rows` rows: `nEpochs` when set, else umap-js's rule by row count. */
  epochsFor(rows: number): number {
    if (this.config.nEpochs !== undefined) return this.config.nEpochs;
    return rows <= 2500 ? 500 : rows <= 5000 ? 400 : rows <= 7500 ? 300 : 200;
  }

  /**
   * Lays out the rows of `m` (more rows than `nNeighbors`, finite values) and returns their coordinates,
   * `rows x nComponents`. Refitting replaces the previous fit.
   */
  async fit(m: Matrix, options: UmapFitOptions = {}): Promise<Matrix> {
    this.claim('fit');
    try {
      const { nNeighbors } = this.config;
      if (m.rows <= nNeighbors) {
        throw new DataError(`umap: ${m.rows} rows are too few for nNeighbors=${nNeighbors}; lower nNeighbors below the row count or add rows`, {
          expected: `more than ${nNeighbors} rows`,
          received: `${m.rows} rows`,
        });
      }
      checkFinite(m, 'fit');
      const started = performance.now();
      const nEpochs = this.epochsFor(m.rows);
      const random = seededRandom(this.config.seed);
      const umap = new UMAP({
        nComponents: this.config.nComponents,
        nNeighbors,
        minDist: this.config.minDist,
        spread: this.config.spread,
        nEpochs,
        distanceFn: this.config.metric === 'cosine' ? cosine : euclidean,
        random,
      });
      checkAbort(options.signal, 'fit');
      const k = this.config.nComponents;
      const X = toRows(m);
      const internals = umap as unknown as UmapInternals;
      // Euclidean neighbours by our typed-array NN-descent (nn-descent.ts: 3x faster than umap-js's at 20,000
      // rows, recall 0.985 against its 0.952), cosine by umap-js's; then umap-js's membership strengths, and
      // the union of the graph and the epochs over flat arrays (umap-graph.ts, umap-layout.ts), where umap-js's
      // own took 80 % of a 50,000-row fit.
      const knn = this.config.metric === 'euclidean' ? toKnnRows(nnDescent(m, nNeighbors, { seed: this.config.seed })) : internals.nearestNeighbors(X);
      internals.knnIndices = knn.knnIndices;
      internals.knnDistances = knn.knnDistances;
      const { sigmas, rhos } = internals.smoothKNNDistance(knn.knnDistances, nNeighbors, internals.localConnectivity);
      const strengths = internals.computeMembershipStrengths(knn.knnIndices, knn.knnDistances, sigmas, rhos);
      const edges = fuzzyUnionEdges(strengths.cols, strengths.vals, m.rows, nNeighbors, nEpochs);
      // umap-js's random start in [-10, 10), drawn from the same generator after the neighbour search.
      const start = new Float64Array(m.rows * k);
      for (let i = 0; i < start.length; i++) start[i] = random() * 20 - 10;
      const { a, b } = findABParams(this.config.spread, this.config.minDist);
      const layout = new UmapLayout(edges, start, k, { a, b, nEpochs, seed: this.config.seed });
      const yieldEveryMs = options.yieldEveryMs ?? 50;
      let lastYield = performance.now();
      let epoch = 0;
      while (epoch < nEpochs) {
        epoch = layout.step();
        const verdict = await options.onEpoch?.({ epoch, nEpochs, elapsedMs: performance.now() - started });
        if (verdict === false) break;
        if (performance.now() - lastYield >= yieldEveryMs) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
        checkAbort(options.signal, 'fit');
      }
      const embedding: Matrix = { data: Float32Array.from(layout.embedding), rows: m.rows, cols: k };
      internals.X = X;
      internals.embedding = toRows(embedding);
      internals.optimizationState.a = a;
      internals.optimizationState.b = b;
      this.searchReady = false;
      this.umap = umap;
      this.fitted = { rows: m.rows, cols: m.cols, epochs: epoch, embedding };
      return { data: embedding.data.slice(), rows: embedding.rows, cols: embedding.cols };
    } finally {
      this.isBusy = false;
    }
  }

  /**
   * Places each row of `m` into the fitted layout (its neighbours among the fitted rows, then
   * `transformEpochsFor(m.rows)` epochs of optimisation against the fixed layout) and returns `rows x nComponents`.
   * Rows are placed in chunks of 256, in order, so the result depends only on the data and the seed.
   */
  async transform(m: Matrix, options: UmapTransformOptions = {}): Promise<Matrix> {
    const fitted = this.require('transform');
    this.claim('transform');
    try {
      if (m.cols !== fitted.cols) {
        throw new DataError(`umap: transform needs the ${fitted.cols} columns the model was fitted on, received ${m.cols}`, {
          expected: `${fitted.cols} columns`,
          received: `${m.cols} columns`,
        });
      }
      checkFinite(m, 'transform');
      const umap = this.umap!;
      if (!this.searchReady) {
        const internals = umap as unknown as UmapInternals;
        internals.makeSearchFns();
        internals.searchGraph = internals.makeSearchGraph(internals.X);
        // umap-js's transform starts each search from the leaves of its trees, which only its own neighbour
        // search builds: build them here (umap-js's count of trees) when the fit did not.
        if (internals.rpForest.length === 0) {
          const rows = internals.X.length;
          internals.rpForest = makeForest(internals.X, this.config.nNeighbors, 5 + Math.round(Math.sqrt(rows) / 20), internals.random);
        }
        this.searchReady = true;
      }
      const k = this.config.nComponents;
      const out = new Float32Array(m.rows * k);
      // umap-js transform runs nEpochs / 3 epochs when nEpochs is set and loops until the epoch counter
      // equals that number exactly, so a fit nEpochs not divisible by 3 would never end: set it to 3x.
      (umap as unknown as UmapInternals).nEpochs = 3 * this.transformEpochsFor(m.rows);
      const started = performance.now();
      for (const [start, end] of transformChunks(m.rows, fitted.rows)) {
        checkAbort(options.signal, 'transform');
        const placed = umap.transform(toRows(m, start, end));
        for (let r = 0; r < placed.length; r++) for (let c = 0; c < k; c++) out[(start + r) * k + c] = placed[r][c];
        options.onProgress?.({ rows: end, totalRows: m.rows, elapsedMs: performance.now() - started });
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return { data: out, rows: m.rows, cols: k };
    } finally {
      this.isBusy = false;
    }
  }

  /**
   * Epochs that place each row of a `transform` of `rows` rows: `transformEpochs` when set, else
   * round(nEpochs / 3) when nEpochs is set, else umap-learn's rule by the rows placed in one call: 100 up to
   * 10,000 rows, 30 above (the chunks of 256 are an implementation detail and do not count).
   */
  transformEpochsFor(rows: number): number {
    if (this.config.transformEpochs !== undefined) return this.config.transformEpochs;
    if (this.config.nEpochs !== undefined) return Math.max(1, Math.round(this.config.nEpochs / 3));
    return rows <= 10_000 ? 100 : 30;
  }

  private claim(op: string): void {
    if (this.isBusy) throw new ModelStateError(`umap: ${op} called while another fit or transform is running; await it first`);
    this.isBusy = true;
  }

  private require(op: string): NonNullable<UmapModel['fitted']> {
    if (!this.fitted) throw new ModelStateError(`umap: ${op} called before fit; call fit(m) first`);
    return this.fitted;
  }
}

/**
 * Chunk bounds for umap-js `transform`. A chunk exactly as long as the fitted set would make umap-js move the
 * fitted layout too (it decides "move the other end" by comparing lengths), so such a chunk is split in two.
 */
function transformChunks(rows: number, fittedRows: number): [number, number][] {
  const chunks: [number, number][] = [];
  for (let start = 0; start < rows; start += TRANSFORM_CHUNK_ROWS) {
    const end = Math.min(rows, start + TRANSFORM_CHUNK_ROWS);
    if (end - start === fittedRows) {
      const mid = start + Math.floor((end - start) / 2);
      chunks.push([start, mid], [mid, end]);
    } else {
      chunks.push([start, end]);
    }
  }
  return chunks;
}

function euclidean(x: number[], y: number[]): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** 1 - cosine similarity; two zero vectors are at distance 0, a zero and a non-zero vector at 1 (as umap-js). */
function cosine(x: number[], y: number[]): number {
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i] * y[i];
    nx += x[i] * x[i];
    ny += y[i] * y[i];
  }
  if (nx === 0 && ny === 0) return 0;
  if (nx === 0 || ny === 0) return 1;
  return 1 - dot / Math.sqrt(nx * ny);
}

function toKnnRows(r: { k: number; indices: Int32Array; distances: Float64Array }): { knnIndices: number[][]; knnDistances: number[][] } {
  const rows = r.indices.length / r.k;
  const knnIndices: number[][] = new Array(rows);
  const knnDistances: number[][] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    knnIndices[i] = Array.from(r.indices.subarray(i * r.k, (i + 1) * r.k));
    knnDistances[i] = Array.from(r.distances.subarray(i * r.k, (i + 1) * r.k));
  }
  return { knnIndices, knnDistances };
}

function toRows(m: Matrix, start = 0, end = m.rows): number[][] {
  const rows: number[][] = new Array(end - start);
  for (let r = start; r < end; r++) rows[r - start] = Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols));
  return rows;
}

function checkFinite(m: Matrix, op: string): void {
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new DataError(`umap: cannot ${op} on a non-finite value in feature column ${i % m.cols}; drop or impute missing values first`, {
        row: Math.floor(i / m.cols),
        expected: 'finite number',
        received: String(m.data[i]),
      });
    }
  }
}

function checkAbort(signal: AbortSignal | undefined, op: string): void {
  if (!signal?.aborted) return;
  if (signal.reason instanceof LatentflowError) throw signal.reason;
  throw new LatentflowError('E_ABORTED', `umap: ${op} aborted`, { cause: signal.reason });
}

function validateUmapConfig(config: UmapConfig): UmapModel['config'] {
  const c = parseOptions(umapOptions, config);
  const D = UMAP_DEFAULTS;
  return {
    nComponents: c.nComponents ?? D.nComponents,
    nNeighbors: c.nNeighbors ?? D.nNeighbors,
    minDist: c.minDist ?? D.minDist,
    spread: c.spread ?? D.spread,
    nEpochs: c.nEpochs,
    transformEpochs: c.transformEpochs,
    metric: c.metric ?? D.metric,
    seed: c.seed ?? D.seed,
  };
}
