/**
 * PCA against scikit-learn, shared by bench/wide-pca.ts and bench/wide.ts: latentflow's fits timed in this
 * process, scikit-learn's three solvers timed by bench/wide_pca_sklearn.py on the same float32 matrix.
 */
import type { Matrix } from '../src/models/matrix.js';
import type { PcaModel } from '../src/models/pca.js';
import { runPythonPeerOn } from './python-peer.js';
import { timedRepeats } from './timing.js';

/** scikit-learn's solvers, in the order the peer times them. */
export const SKLEARN_SOLVERS = ['covariance_eigh', 'randomized', 'full'] as const;

/** What bench/wide_pca_sklearn.py answers: per-solver fit times and a float64 reference fit. */
export interface SklearnPcaResult {
  sklearn: string;
  numpy: string;
  seconds: Record<(typeof SKLEARN_SOLVERS)[number], number[]>;
  cpuSeconds: Record<(typeof SKLEARN_SOLVERS)[number], number[]>;
  components: number[];
  explainedVarianceRatio: number[];
}

/** Wall and process CPU seconds of each of `repeats` fits, and the last fitted model. */
export async function timedPcaFits(fit: () => PcaModel, repeats: number): Promise<{ seconds: number[]; cpuSeconds: number[]; model: PcaModel }> {
  const { seconds, cpuSeconds, last } = await timedRepeats(repeats, fit);
  return { seconds, cpuSeconds, model: last };
}

/** scikit-learn's PCA(k) fits of `x`, `repeats` per solver, on `python`. */
export function sklearnPca(python: string, x: Matrix, k: number, repeats: number): SklearnPcaResult {
  return runPythonPeerOn<SklearnPcaResult>(python, 'wide_pca_sklearn.py', x, [k, repeats]);
}
