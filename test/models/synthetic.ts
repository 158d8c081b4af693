import type { Matrix } from '../../src/models/matrix.js';
import { gaussian, seededRandom, type Random } from '../../src/models/random.js';

/** Seeded synthetic matrices for model tests. Everything is a pure function of its arguments. */

/** `k` orthonormal vectors in `d` dimensions (Gram–Schmidt of Gaussian draws). */
export function orthonormalBasis(d: number, k: number, random: Random): number[][] {
  const basis: number[][] = [];
  while (basis.length < k) {
    let v = Array.from({ length: d }, () => gaussian(random));
    for (const u of basis) {
      const dot = v.reduce((s, x, j) => s + x * u[j], 0);
      v = v.map((x, j) => x - dot * u[j]);
    }
    const norm = Math.hypot(...v);
    if (norm > 1e-6) basis.push(v.map((x) => x / norm));
  }
  return basis;
}

/**
 * A noisy helix — a curved 1-D manifold — embedded in `d` dimensions: t ~ U[0, 3π],
 * p = (cos t, sin t, t/π − 1.5), rotated into R^d by a fixed random orthonormal map (`rotationSeed`), plus
 * Gaussian noise of sd `noise` in every dimension. A linear 1-D model cannot follow it; a 1-D code can.
 */
export function helix(rows: number, d: number, seed: number, noise = 0.03, rotationSeed = 7): Matrix {
  const random = seededRandom(seed);
  const axes = orthonormalBasis(d, 3, seededRandom(rotationSeed));
  const data = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const t = random() * 3 * Math.PI;
    const p = [Math.cos(t), Math.sin(t), t / Math.PI - 1.5];
    for (let j = 0; j < d; j++) {
      data[r * d + j] = p[0] * axes[0][j] + p[1] * axes[1][j] + p[2] * axes[2][j] + noise * gaussian(random);
    }
  }
  return { data, rows, cols: d };
}

/**
 * Rows near a `k`-dimensional linear subspace of R^d (noise sd 0.05), of which `outliers` randomly chosen rows
 * get an extra off-subspace displacement of sd 1 per feature. Returns the matrix and 0/1 labels.
 */
export function subspaceWithOutliers(
  rows: number,
  d: number,
  k: number,
  outliers: number,
  seed: number,
): { x: Matrix; labels: Uint8Array } {
  const random = seededRandom(seed);
  const axes = orthonormalBasis(d, k, random);
  const labels = new Uint8Array(rows);
  let placed = 0;
  while (placed < outliers) {
    const r = Math.floor(random() * rows);
    if (labels[r] === 0) {
      labels[r] = 1;
      placed++;
    }
  }
  const data = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const z = Array.from({ length: k }, () => 2 * gaussian(random));
    for (let j = 0; j < d; j++) {
      let v = 0.05 * gaussian(random);
      for (let c = 0; c < k; c++) v += z[c] * axes[c][j];
      if (labels[r] === 1) v += gaussian(random);
      data[r * d + j] = v;
    }
  }
  return { x: { data, rows, cols: d }, labels };
}

/** Independent N(mean, sd²) entries. */
export function gaussianMatrix(rows: number, cols: number, seed: number, mean = 0, sd = 1): Matrix {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = mean + sd * gaussian(random);
  return { data, rows, cols };
}

/** Mean of a float array, in float64. */
export function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** True when both arrays hold the same bits. */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * Correlated Gaussian rows with well separated principal variances: column j of a latent draw has sd
 * `4 * 0.7^j`, then a fixed random rotation (`rotationSeed`) mixes the columns and `offset` is added to
 * every value. Distinct variances make the principal axes unique up to sign.
 */
export function anisotropicMatrix(rows: number, cols: number, seed: number, offset = 0, rotationSeed = 5): Matrix {
  const random = seededRandom(seed);
  const axes = orthonormalBasis(cols, cols, seededRandom(rotationSeed));
  const data = new Float32Array(rows * cols);
  const latent = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) latent[c] = 4 * 0.7 ** c * gaussian(random);
    for (let j = 0; j < cols; j++) {
      let v = offset;
      for (let c = 0; c < cols; c++) v += latent[c] * axes[c][j];
      data[r * cols + j] = v;
    }
  }
  return { data, rows, cols };
}

/** Largest |a_i - b_i| over the largest |b_i|: an error relative to the scale of `b` as a whole. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}
