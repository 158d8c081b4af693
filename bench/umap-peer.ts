/**
 * UMAP against umap-learn, shared by bench/umap-speed.ts and bench/wide.ts: the seeded synthetic codes both
 * map, the `umap` stage's sampled path (fit a sample, place the rest), and umap-learn's side
 * (bench/umap_speed_learn.py, after a warm-up that pays numba's JIT).
 */
import type { Matrix } from '../src/models/matrix.js';
import { takeRows } from '../src/models/matrix.js';
import { deriveSeed, gaussian, sampleSplit, seededRandom } from '../src/models/random.js';
import { UmapModel } from '../src/models/umap.js';
import { runPythonPeerOn } from './python-peer.js';

/** Clusters in the synthetic codes. */
export const CLUSTERS = 10;
/** UMAP settings of every map in these benchmarks. */
export const UMAP_SETTINGS = { nComponents: 2, nNeighbors: 15, minDist: 0.1 } as const;

/**
 * `rows x cols` mixture of {@link CLUSTERS} Gaussian clusters (centres N(0, 3²) per column, rows centre +
 * N(0, s²) with a per-cluster s in [0.5, 1.5]), rows in random cluster order; same seed, same matrix.
 */
export function syntheticCodes(rows: number, cols: number, seed: number): Matrix {
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

/** latentflow's UMAP with the benchmarks' settings. */
export function umapModel(seed: number, transformEpochs?: number): UmapModel {
  return new UmapModel({ ...UMAP_SETTINGS, transformEpochs, seed });
}

/**
 * The stage's sampled path: fit a seeded sample of `sampleRows`, place the other rows, coordinates back in
 * row order; with the wall seconds of the fit and of the transform.
 */
export async function sampledMap(x: Matrix, sampleRows: number, seed: number, transformEpochs?: number): Promise<{ map: Matrix; fitS: number; transformS: number }> {
  const { chosen, rest } = sampleSplit(x.rows, sampleRows, seededRandom(deriveSeed(seed, 'umap-speed:sample')));
  const umap = umapModel(seed, transformEpochs);
  const wall0 = performance.now();
  const fitted = await umap.fit(takeRows(x, chosen));
  const wall1 = performance.now();
  const placed = await umap.transform(takeRows(x, rest));
  const out = new Float32Array(x.rows * 2);
  chosen.forEach((row, i) => out.set(fitted.data.subarray(2 * i, 2 * i + 2), 2 * row));
  rest.forEach((row, i) => out.set(placed.data.subarray(2 * i, 2 * i + 2), 2 * row));
  return { map: { data: out, rows: x.rows, cols: 2 }, fitS: (wall1 - wall0) / 1000, transformS: (performance.now() - wall1) / 1000 };
}

/** What bench/umap_speed_learn.py answers. */
export interface UmapLearnResult {
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

/** umap-learn's `fit_transform` of `x`, `repeats` times after a warm-up fit on the first `warmupRows` rows. */
export function umapLearn(python: string, x: Matrix, repeats: number, warmupRows: number, seed: number): UmapLearnResult {
  return runPythonPeerOn<UmapLearnResult>(python, 'umap_speed_learn.py', x, [repeats, warmupRows, seed]);
}

/** The fixed seeded rows (at most `trustRows` of `rows`) on which every map's trustworthiness is measured. */
export function trustSubset(rows: number, trustRows: number, seed: number): Uint32Array {
  return sampleSplit(rows, Math.min(trustRows, rows), seededRandom(deriveSeed(seed, 'umap-speed:trust'))).chosen;
}
