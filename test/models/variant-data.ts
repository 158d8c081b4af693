import type { Matrix } from '../../src/models/matrix.js';
import { gaussian, seededRandom } from '../../src/models/random.js';
import { subspaceWithOutliers } from './synthetic.js';

/** Seeded data for the autoencoder variant tests; every function is pure in its arguments. */

/** The first `rows` rows of `m` and the rest, as two matrices (views). */
export function splitRows(m: Matrix, rows: number): [Matrix, Matrix] {
  return [
    { data: m.data.subarray(0, rows * m.cols), rows, cols: m.cols },
    { data: m.data.subarray(rows * m.cols), rows: m.rows - rows, cols: m.cols },
  ];
}

/** Rows near a 3-D linear subspace of R^10 (noise sd 0.05), standardised-ish scale; train and test from one draw. */
export function subspaceSplit(seed: number, train = 1000, test = 400): [Matrix, Matrix] {
  return splitRows(subspaceWithOutliers(train + test, 10, 3, 0, seed).x, train);
}

/**
 * Two independent N(0, 1) factors through a smooth nonlinear map into `d` dimensions (values in about
 * [-1.2, 1.2]), plus noise of sd 0.05: data whose natural 2-D code is Gaussian, for the variational test.
 */
export function gaussianFactors(rows: number, seed: number, d = 8): Matrix {
  const random = seededRandom(seed);
  const mapRandom = seededRandom(99);
  const w = Array.from({ length: d }, () => [gaussian(mapRandom), gaussian(mapRandom)]);
  const data = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const z1 = gaussian(random);
    const z2 = gaussian(random);
    for (let j = 0; j < d; j++) {
      data[r * d + j] = Math.tanh(w[j][0] * z1 + w[j][1] * z2 + 0.3 * z1 * z2 * ((j % 3) - 1)) + 0.05 * gaussian(random);
    }
  }
  return { data, rows, cols: d };
}

/** `m` plus independent N(0, sigma²) noise. */
export function withGaussianNoise(m: Matrix, sigma: number, seed: number): Matrix {
  const random = seededRandom(seed);
  return { data: m.data.map((v) => v + sigma * gaussian(random)), rows: m.rows, cols: m.cols };
}

/** `m` with each value set to 0 with probability `p`. */
export function withMasking(m: Matrix, p: number, seed: number): Matrix {
  const random = seededRandom(seed);
  return { data: m.data.map((v) => (random() < p ? 0 : v)), rows: m.rows, cols: m.cols };
}

/** Mean over rows of the squared distance between the rows of `a` and `b`. */
export function meanRowSquaredDistance(a: Matrix, b: Matrix): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += (a.data[i] - b.data[i]) ** 2;
  return sum / a.rows;
}

/** Mean of each column. */
export function columnMeans(m: Matrix): number[] {
  const means = new Array<number>(m.cols).fill(0);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) means[c] += m.data[r * m.cols + c] / m.rows;
  return means;
}

/** Population variance of each column. */
export function columnVariances(m: Matrix): number[] {
  const means = columnMeans(m);
  const vars = new Array<number>(m.cols).fill(0);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) vars[c] += (m.data[r * m.cols + c] - means[c]) ** 2 / m.rows;
  return vars;
}

/** Mean absolute value of all entries. */
export function meanAbs(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.abs(values[i]);
  return sum / values.length;
}
