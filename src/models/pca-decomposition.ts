import { PCA } from 'ml-pca';
import { leadingEigenpairs, type EigenGoal } from './lanczos.js';
import { nativeSymmetricEigen } from '../runtime/native-eigh.js';
import { isNativeBackend } from '../runtime/native-ops.js';

export type { EigenGoal } from './lanczos.js';

/**
 * Principal axes of centred data and the variance along each, in descending order of variance: what a
 * PCA fit keeps, whichever way it was computed. Variances may hold tiny negative rounding residues of 0.
 */
export interface Decomposition {
  /** Variance along each axis found (eigenvalue of the covariance), descending; one per axis. */
  variances: number[];
  /** Total variance over every axis, found or not (the covariance's trace). */
  total: number;
  /** Whether every axis was found; a partial solve finds the leading ones only. */
  complete: boolean;
  /** Loading of input column `j` on axis `c`; each axis is a unit vector. */
  loading(j: number, c: number): number;
}

/** ml-pca's SVD of the centred rows (a `number[][]`, one array per row). */
export function svdDecomposition(rows: number[][]): Decomposition {
  const pca = new PCA(rows, { center: true, scale: false, method: 'SVD' });
  const vectors = pca.getEigenvectors();
  const variances = pca.getEigenvalues().slice(0, vectors.columns);
  return { variances, total: variances.reduce((a, b) => a + b, 0), complete: true, loading: (j, c) => vectors.get(j, c) };
}

/**
 * Fewest varying columns for which the leading axes are sought by Lanczos instead of a full solve:
 * below this the full solve takes milliseconds and a partial one saves nothing worth its checks.
 */
const PARTIAL_MIN_COLS = 64;

/**
 * Lanczos steps allowed, as a fraction of the varying columns: each step costs about `2 d^2` flops and
 * the full solve about `9 d^3` (ml-matrix's tridiagonalisation and QL), but the full solve's loops are
 * tighter; past half the columns the partial solve would not win.
 */
const PARTIAL_MAX_STEPS_PER_COL = 0.5;

/**
 * Eigendecomposition of a `d x d` covariance, row-major. Columns with zero variance (constant in the
 * data) have zero rows and columns, so each is an exact eigenvector (its unit vector) with eigenvalue 0:
 * they are left out of the eigensolver and appended as such (117 of MNIST's 784 pixels are constant over
 * its first 8,000 digits). With a `goal`, only the leading axes it asks for are sought, by Lanczos
 * (`lanczos.ts`), on 64 or more varying columns; the full solve (ml-pca, symmetric) runs when no goal is
 * given, the matrix is narrower, or Lanczos cannot vouch for its answer. Measured on those 8,000 digits
 * (PCA with Mahalanobis scoring, 158 axes): full solve 4.4 s of CPU, Lanczos about 0.5 s. On the native
 * backend, 64 or more varying columns are solved in full by TensorFlow in float64 (native-eigh.ts, about
 * 0.12 s there), and a goal then keeps the axes it asks for, so the fit is the one Lanczos gives.
 */
export function covarianceDecomposition(cov: Float64Array, d: number, goal?: EigenGoal): Decomposition {
  const varying: number[] = [];
  const constant: number[] = [];
  let total = 0;
  for (let j = 0; j < d; j++) {
    (cov[j * d + j] > 0 ? varying : constant).push(j);
    total += Math.max(0, cov[j * d + j]);
  }
  // Position of each input column among the varying ones, -1 for a constant column.
  const position = new Int32Array(d).fill(-1);
  varying.forEach((j, p) => (position[j] = p));
  const v = varying.length;
  if (v >= PARTIAL_MIN_COLS && (goal !== undefined || isNativeBackend())) {
    const square = new Float64Array(v * v);
    for (let p = 0; p < v; p++) for (let q = 0; q < v; q++) square[p * v + q] = cov[varying[p] * d + varying[q]];
    // On native TensorFlow a full float64 solve is both exact and faster than Lanczos in JavaScript.
    const exact = nativeSymmetricEigen(square, v);
    if (exact !== undefined) return fromFullSolve(exact.values, exact.vectors, v, total, constant, position, goal);
    if (goal !== undefined) {
      const found = leadingEigenpairs(square, v, goal, Math.floor(v * PARTIAL_MAX_STEPS_PER_COL));
      if (found !== undefined) {
        return {
          variances: found.values,
          total,
          complete: false,
          loading: (j, c) => {
            const p = position[j];
            return p < 0 ? 0 : found.vectors[c * v + p];
          },
        };
      }
    }
  }
  const square = varying.map((i) => varying.map((j) => cov[i * d + j]));
  const pca = v > 0 ? new PCA(square, { isCovarianceMatrix: true }) : undefined;
  const vectors = pca?.getEigenvectors();
  const variances = [...(pca?.getEigenvalues() ?? []), ...constant.map(() => 0)];
  return {
    variances,
    total,
    complete: true,
    loading: (j, c) => {
      if (c >= v) return j === constant[c - v] ? 1 : 0;
      const p = position[j];
      return p < 0 ? 0 : (vectors as NonNullable<typeof vectors>).get(p, c);
    },
  };
}

/**
 * A decomposition from a full float64 solve of the varying columns (values descending, vectors as rows of
 * `v`). With a `goal`, only the leading axes it asks for are kept, as from Lanczos (the model then keeps
 * the same axes and saves the same state as after a partial solve); without one, every axis, the
 * constant columns' unit vectors last, as from ml-pca's full solve.
 */
function fromFullSolve(
  values: Float64Array,
  vectors: Float64Array,
  v: number,
  total: number,
  constant: number[],
  position: Int32Array,
  goal: EigenGoal | undefined,
): Decomposition {
  const all = Array.from(values);
  const kept = goal === undefined ? v : Math.min(v, goal(all, total));
  const isComplete = kept === v;
  return {
    variances: isComplete ? [...all, ...constant.map(() => 0)] : all.slice(0, kept),
    total,
    complete: isComplete,
    loading: (j, c) => {
      if (c >= v) return j === constant[c - v] ? 1 : 0;
      const p = position[j];
      return p < 0 ? 0 : vectors[c * v + p];
    },
  };
}
