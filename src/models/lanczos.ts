import { PCA } from 'ml-pca';
import { seededRandom } from './random.js';

/**
 * How many leading eigenpairs a caller needs, given the current estimates of the leading eigenvalues
 * (descending) and the trace of the matrix. Returning more than `values.length` asks for more steps.
 */
export type EigenGoal = (values: number[], trace: number) => number;

/** The leading eigenpairs of a symmetric matrix: values descending, vectors row-major (`values.length x d`). */
export interface LeadingEigenpairs {
  values: number[];
  vectors: Float64Array;
}

/**
 * A Ritz pair counts as converged when its residual `|A v - theta v|` is at most this fraction of the
 * largest eigenvalue. Eigenvector errors are about residual / gap, so 1e-9 leaves axes that agree with
 * a full solve to about 1e-6 even where neighbouring variances are a thousandth apart.
 */
const RESIDUAL_TOLERANCE = 1e-9;

/** Steps between the first two convergence checks; later checks come at 1.5x the steps of the previous one. */
const FIRST_CHECK_STEPS = 40;

/** Steps of the check that nothing above the kept eigenvalues was missed (see `missedAbove`). */
const VERIFY_STEPS = 30;

/** Seed of the start vectors: any fixed one makes fits reproducible (axis signs are fixed afterwards anyway). */
const START_SEED = 0x5eed;

/**
 * The leading eigenpairs of the symmetric `d x d` matrix `a` (row-major) that `goal` asks for, by the
 * Lanczos iteration with full reorthogonalisation; the small tridiagonal eigenproblem of each check is
 * solved by ml-pca (the same dependency that solves the full problem). Costs about `steps x d^2` against
 * the full solve's `d^3`: on MNIST's 667 varying pixels, the 158 axes Mahalanobis scoring keeps take
 * about 250 steps. Gives `undefined` when it cannot vouch for the result within `maxSteps` steps (the
 * goal wants too many pairs, or a check finds an eigenvalue the iteration skipped: Lanczos finds one copy
 * of a repeated eigenvalue per start vector), and the caller then solves the full problem.
 */
export function leadingEigenpairs(a: Float64Array, d: number, goal: EigenGoal, maxSteps: number, seed = START_SEED): LeadingEigenpairs | undefined {
  const limit = Math.min(maxSteps, d);
  if (limit < 1) return undefined;
  const trace = traceOf(a, d);
  const basis = new Float64Array((limit + 1) * d);
  const alpha: number[] = [];
  const beta: number[] = [];
  const w = new Float64Array(d);
  randomUnit(basis.subarray(0, d), seededRandom(seed));
  let check = Math.min(limit, FIRST_CHECK_STEPS);
  for (let j = 0; ; j++) {
    const q = basis.subarray(j * d, (j + 1) * d);
    multiply(a, d, q, w);
    alpha.push(dot(w, q));
    orthogonalise(w, basis, j + 1, d);
    const b = Math.sqrt(dot(w, w));
    const steps = j + 1;
    const brokeDown = b <= 1e-13 * Math.max(Math.abs(alpha[0]), 1e-300);
    if (steps === check || brokeDown || steps === limit) {
      const ritz = tridiagonalEigen(alpha, beta);
      const need = goal(ritz.values, trace);
      if (need <= steps) {
        const scale = Math.max(Math.abs(ritz.values[0]), 1e-300);
        let converged = true;
        for (let i = 0; i < need && converged; i++) converged = (brokeDown ? 0 : b * Math.abs(ritz.vector(steps - 1, i))) <= RESIDUAL_TOLERANCE * scale;
        if (converged) {
          const vectors = ritzVectors(basis, ritz, need, steps, d);
          const values = ritz.values.slice(0, need);
          return missedAbove(a, d, vectors, values[need - 1], seed) ? undefined : { values, vectors };
        }
      }
      if (brokeDown || steps === limit) return undefined;
      check = Math.min(limit, Math.ceil(steps * 1.5));
    }
    beta.push(b);
    const next = basis.subarray((j + 1) * d, (j + 2) * d);
    for (let i = 0; i < d; i++) next[i] = w[i] / b;
  }
}

/**
 * Whether the matrix has an eigenvalue above `floor` (beyond rounding) outside the span of `vectors`:
 * a short Lanczos run on the complement estimates its largest eigenvalue from below, which is what a
 * skipped copy of a repeated eigenvalue would be.
 */
function missedAbove(a: Float64Array, d: number, vectors: Float64Array, floor: number, seed: number): boolean {
  const count = vectors.length / d;
  if (count >= d) return false;
  const steps = Math.min(VERIFY_STEPS, d - count);
  const basis = new Float64Array((count + steps + 1) * d);
  basis.set(vectors);
  const alpha: number[] = [];
  const beta: number[] = [];
  const w = new Float64Array(d);
  const start = basis.subarray(count * d, (count + 1) * d);
  randomUnit(start, seededRandom(seed + 1));
  orthogonalise(start, basis, count, d);
  normalise(start);
  for (let j = 0; j < steps; j++) {
    const q = basis.subarray((count + j) * d, (count + j + 1) * d);
    multiply(a, d, q, w);
    alpha.push(dot(w, q));
    // Against the kept vectors too, so the run stays in their complement.
    orthogonalise(w, basis, count + j + 1, d);
    const b = Math.sqrt(dot(w, w));
    if (j === steps - 1 || b <= 1e-13 * Math.max(Math.abs(alpha[0]), 1e-300)) break;
    beta.push(b);
    const next = basis.subarray((count + j + 1) * d, (count + j + 2) * d);
    for (let i = 0; i < d; i++) next[i] = w[i] / b;
  }
  const largest = tridiagonalEigen(alpha, beta).values[0];
  return largest > floor + 1e-8 * Math.abs(floor) + 1e-12 * Math.abs(alpha[0]);
}

interface TridiagonalEigen {
  values: number[];
  /** Component `row` of eigenvector `column` of the tridiagonal matrix. */
  vector(row: number, column: number): number;
}

function tridiagonalEigen(alpha: number[], beta: number[]): TridiagonalEigen {
  const m = alpha.length;
  const t: number[][] = Array.from({ length: m }, (_, i) => {
    const row = new Array<number>(m).fill(0);
    row[i] = alpha[i];
    if (i > 0) row[i - 1] = beta[i - 1];
    if (i < m - 1) row[i + 1] = beta[i];
    return row;
  });
  const pca = new PCA(t, { isCovarianceMatrix: true });
  const vectors = pca.getEigenvectors();
  return { values: pca.getEigenvalues(), vector: (row, column) => vectors.get(row, column) };
}

function ritzVectors(basis: Float64Array, ritz: TridiagonalEigen, count: number, steps: number, d: number): Float64Array {
  const out = new Float64Array(count * d);
  for (let c = 0; c < count; c++) {
    const v = out.subarray(c * d, (c + 1) * d);
    for (let j = 0; j < steps; j++) {
      const s = ritz.vector(j, c);
      const q = basis.subarray(j * d, (j + 1) * d);
      for (let i = 0; i < d; i++) v[i] += s * q[i];
    }
    normalise(v);
  }
  return out;
}

/** Removes from `w` its components along the first `count` rows of `basis`, twice ("twice is enough"). */
function orthogonalise(w: Float64Array, basis: Float64Array, count: number, d: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < count; i++) {
      const q = basis.subarray(i * d, (i + 1) * d);
      const c = dot(w, q);
      for (let k = 0; k < d; k++) w[k] -= c * q[k];
    }
  }
}

function multiply(a: Float64Array, d: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let sum = 0;
    const base = i * d;
    for (let j = 0; j < d; j++) sum += a[base + j] * x[j];
    out[i] = sum;
  }
}

function randomUnit(out: Float64Array, random: () => number): void {
  for (let i = 0; i < out.length; i++) out[i] = random() - 0.5;
  normalise(out);
}

function normalise(v: Float64Array): void {
  const norm = Math.sqrt(dot(v, v));
  for (let i = 0; i < v.length; i++) v[i] /= norm;
}

function traceOf(a: Float64Array, d: number): number {
  let sum = 0;
  for (let i = 0; i < d; i++) sum += a[i * d + i];
  return sum;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}
