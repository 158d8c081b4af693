/**
 * Scoring rules computed outside the model, for the defaults study (bench/results/peers-defaults.md): one fit,
 * several ways to turn its reconstructions and codes into a score. Pure JS over `Matrix`.
 */
import type { Matrix } from '../../src/index.js';

export interface FitStats {
  /** Per-feature residual RMS on the training rows. */
  residualSd: Float64Array;
  /** Per-feature residual MAD (×1.4826) on the training rows. */
  residualMad: Float64Array;
  codeMean: Float64Array;
  /** Lower Cholesky factor of the code covariance (+ ridge), row-major k×k. */
  codeChol: Float64Array;
  codeSd: Float64Array;
}

function floorScales(s: Float64Array): Float64Array {
  let mean = 0;
  for (const v of s) mean += v;
  mean /= s.length;
  return s.map((v) => Math.max(v, 1e-3 * mean, 1e-12));
}

export function fitStats(x: Matrix, recon: Matrix, code: Matrix): FitStats {
  const d = x.cols;
  const n = x.rows;
  const sd = new Float64Array(d);
  const mad = new Float64Array(d);
  const col = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    let ss = 0;
    for (let r = 0; r < n; r++) {
      const e = x.data[r * d + j] - recon.data[r * d + j];
      ss += e * e;
      col[r] = e;
    }
    sd[j] = Math.sqrt(ss / n);
    const sorted = Float64Array.from(col).sort();
    const med = sorted[Math.floor(n / 2)];
    const dev = sorted.map((v) => Math.abs(v - med)).sort();
    mad[j] = 1.4826 * dev[Math.floor(n / 2)];
  }
  const k = code.cols;
  const mean = new Float64Array(k);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) mean[c] += code.data[r * k + c];
  for (let c = 0; c < k; c++) mean[c] /= n;
  const cov = new Float64Array(k * k);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < k; a++) {
      const da = code.data[r * k + a] - mean[a];
      for (let b = 0; b <= a; b++) cov[a * k + b] += da * (code.data[r * k + b] - mean[b]);
    }
  }
  let trace = 0;
  for (let a = 0; a < k; a++) trace += cov[a * k + a] / n;
  const ridge = 1e-6 * (trace / k) + 1e-12;
  const codeSd = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) cov[a * k + b] = cov[a * k + b] / n + (a === b ? ridge : 0);
    codeSd[a] = Math.sqrt(cov[a * k + a]);
  }
  const L = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = cov[a * k + b];
      for (let c = 0; c < b; c++) s -= L[a * k + c] * L[b * k + c];
      L[a * k + b] = a === b ? Math.sqrt(Math.max(s, ridge)) : s / L[b * k + b];
    }
  }
  return { residualSd: floorScales(sd), residualMad: floorScales(mad), codeMean: mean, codeChol: L, codeSd };
}

export function residualScores(x: Matrix, recon: Matrix, scale: Float64Array | null): Float64Array {
  const d = x.cols;
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const e = (x.data[r * d + j] - recon.data[r * d + j]) / (scale === null ? 1 : scale[j]);
      s += e * e;
    }
    out[r] = s / d;
  }
  return out;
}

/** Squared Mahalanobis distance of each code row (full covariance), or Σ standardized z² when diagonal. */
export function latentScores(code: Matrix, st: FitStats, isDiagonal: boolean): Float64Array {
  const k = code.cols;
  const out = new Float64Array(code.rows);
  const y = new Float64Array(k);
  for (let r = 0; r < code.rows; r++) {
    let s = 0;
    if (isDiagonal) {
      for (let c = 0; c < k; c++) {
        const z = (code.data[r * k + c] - st.codeMean[c]) / st.codeSd[c];
        s += z * z;
      }
    } else {
      for (let a = 0; a < k; a++) {
        let v = code.data[r * k + a] - st.codeMean[a];
        for (let b = 0; b < a; b++) v -= st.codeChol[a * k + b] * y[b];
        y[a] = v / st.codeChol[a * k + a];
        s += y[a] * y[a];
      }
    }
    out[r] = s;
  }
  return out;
}

/** Σz² of scaled rows (the floor), per row. */
export function sumSquares(x: Matrix): Float64Array {
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let s = 0;
    for (let j = 0; j < x.cols; j++) s += x.data[r * x.cols + j] ** 2;
    out[r] = s;
  }
  return out;
}

/** a·α + b·β elementwise. */
export function combine(a: Float64Array, wa: number, b: Float64Array, wb: number): Float64Array {
  return a.map((v, i) => wa * v + wb * b[i]);
}

/**
 * Floored Mahalanobis of the reconstructions: PCA of the training reconstructions x̂ (all axes), and per row
 * Σ_c ((x̂ - mean x̂)·axis_c)² / max(λ_c, floor). In standardized units a floor of 1 treats every direction
 * with less than a column's variance as plain Euclidean distance (the PCA `mahalanobis` default).
 */
export interface ReconPca { mean: Float64Array; axes: Float64Array; variances: Float64Array }

export function fitReconPca(recon: Matrix, floor: number): ReconPca {
  const d = recon.cols;
  const n = recon.rows;
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += recon.data[r * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < d; a++) {
      const da = recon.data[r * d + a] - mean[a];
      for (let b = 0; b <= a; b++) cov[a * d + b] += da * (recon.data[r * d + b] - mean[b]);
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) { cov[a * d + b] /= n; cov[b * d + a] = cov[a * d + b]; }
  const { vectors, values } = jacobiEigen(cov, d);
  return { mean, axes: vectors, variances: values.map((v) => Math.max(v, floor)) };
}

export function reconMahalanobis(recon: Matrix, p: ReconPca): Float64Array {
  const d = recon.cols;
  const out = new Float64Array(recon.rows);
  const c = new Float64Array(d);
  for (let r = 0; r < recon.rows; r++) {
    for (let j = 0; j < d; j++) c[j] = recon.data[r * d + j] - p.mean[j];
    let s = 0;
    for (let a = 0; a < d; a++) {
      let proj = 0;
      for (let j = 0; j < d; j++) proj += p.axes[a * d + j] * c[j];
      s += (proj * proj) / p.variances[a];
    }
    out[r] = s;
  }
  return out;
}

/** Symmetric eigendecomposition by cyclic Jacobi rotations: axes as rows of `vectors`. */
export function jacobiEigen(sym: Float64Array, n: number): { vectors: Float64Array; values: Float64Array } {
  const a = Float64Array.from(sym);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = cs * akp - sn * akq;
          a[k * n + q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = cs * apk - sn * aqk;
          a[q * n + k] = sn * apk + cs * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = cs * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + cs * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    values[i] = a[i * n + i];
    for (let k = 0; k < n; k++) vectors[i * n + k] = v[k * n + i];
  }
  return { vectors, values };
}
