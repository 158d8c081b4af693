import { DataError, ModelConfigError, ModelStateError } from '../errors.js';
import type { Matrix } from './matrix.js';
import { quantileSorted } from './order-statistics.js';
import { SCALER_METHODS, type ScalerMethod } from './scaler-options.js';

export { SCALER_METHODS, type ScalerMethod } from './scaler-options.js';

/** Saved form of a `Scaler`; statistics in float64 so a restored scaler can keep streaming. */
export interface ScalerState {
  type: 'scaler';
  version: 1;
  params: { method: ScalerMethod };
  /** Rows seen by fit/partialFit. */
  count: number;
  cols: number;
  /** Per-column running statistics; which ones are present depends on the method. */
  mean?: number[];
  m2?: number[];
  min?: number[];
  max?: number[];
  center?: number[];
  scale?: number[];
}

/**
 * Per-column scaling, fit on training rows and applied unchanged to new rows.
 *
 * Call order: `fit(m)` or any number of `partialFit(chunk)` calls, then `transform`/`inverseTransform`.
 * `fit` forgets earlier chunks; `partialFit` accumulates (chunked `partialFit` equals one `fit` exactly).
 * Columns with zero spread (constant columns) get scale 1, so transforms never produce NaN or Infinity.
 * Transforms return new matrices and never mutate their input. Rows with non-finite values are rejected by
 * fitting with a `DataError`.
 */
export class Scaler {
  readonly method: ScalerMethod;
  private cols = 0;
  private count = 0;
  private mean: Float64Array | undefined;
  private m2: Float64Array | undefined;
  private min: Float64Array | undefined;
  private max: Float64Array | undefined;
  // Derived (or, for robust, fitted) parameters; recomputed lazily after each partialFit.
  private centerCache: Float64Array | undefined;
  private scaleCache: Float64Array | undefined;

  /** `method` defaults to `standard`; an unknown method is a `ModelConfigError`. */
  constructor(method: ScalerMethod = 'standard') {
    if (!SCALER_METHODS.includes(method)) {
      throw new ModelConfigError('method', `scaler: expected one of ${SCALER_METHODS.join(', ')}, received "${String(method)}"`);
    }
    this.method = method;
  }

  /** True once at least one row has been fitted. */
  get isFitted(): boolean {
    return this.count > 0;
  }

  /** Rows seen so far. */
  get rowsSeen(): number {
    return this.count;
  }

  /** Per-column value subtracted by `transform` (a copy). */
  get center(): Float64Array {
    this.requireFitted('center');
    return Float64Array.from(this.params().center);
  }

  /** Per-column divisor used by `transform`, always > 0 (a copy). */
  get scale(): Float64Array {
    this.requireFitted('scale');
    return Float64Array.from(this.params().scale);
  }

  /** Forgets earlier data and fits on `m`. */
  fit(m: Matrix): this {
    this.reset();
    if (this.method === 'robust') {
      this.fitRobust(m);
      return this;
    }
    return this.partialFit(m);
  }

  /** Adds the rows of `m` to the running statistics. Not available for `robust` (it needs all rows). */
  partialFit(m: Matrix): this {
    if (this.method === 'robust') {
      throw new ModelStateError('scaler: robust scaling needs all rows at once; call fit(m) instead of partialFit');
    }
    if (m.rows === 0) return this;
    this.ensureCols(m.cols);
    checkFinite(m);
    const d = m.cols;
    if (this.mean === undefined) {
      this.mean = new Float64Array(d);
      this.m2 = new Float64Array(d);
      this.min = new Float64Array(d).fill(Infinity);
      this.max = new Float64Array(d).fill(-Infinity);
    }
    const mean = this.mean;
    const m2 = this.m2 as Float64Array;
    const min = this.min as Float64Array;
    const max = this.max as Float64Array;
    const data = m.data;
    // Row-by-row Welford updates, so splitting the data into chunks cannot change the result.
    for (let r = 0; r < m.rows; r++) {
      const n = this.count + 1;
      const base = r * d;
      for (let j = 0; j < d; j++) {
        const x = data[base + j];
        const delta = x - mean[j];
        mean[j] += delta / n;
        m2[j] += delta * (x - mean[j]);
        if (x < min[j]) min[j] = x;
        if (x > max[j]) max[j] = x;
      }
      this.count = n;
    }
    this.centerCache = undefined;
    this.scaleCache = undefined;
    return this;
  }

  /** Scales `m` column by column into a new matrix. */
  transform(m: Matrix): Matrix {
    const { center, scale } = this.checked(m, 'transform');
    const d = m.cols;
    const out = new Float32Array(m.data.length);
    for (let i = 0; i < out.length; i++) {
      const j = i % d;
      out[i] = (m.data[i] - center[j]) / scale[j];
    }
    return { data: out, rows: m.rows, cols: d };
  }

  /** Undoes `transform`: maps scaled values back to the original units. */
  inverseTransform(m: Matrix): Matrix {
    const { center, scale } = this.checked(m, 'inverseTransform');
    const d = m.cols;
    const out = new Float32Array(m.data.length);
    for (let i = 0; i < out.length; i++) {
      const j = i % d;
      out[i] = m.data[i] * scale[j] + center[j];
    }
    return { data: out, rows: m.rows, cols: d };
  }

  /** The running statistics as plain JSON, so a restored scaler can keep streaming. */
  toJSON(): ScalerState {
    const state: ScalerState = {
      type: 'scaler',
      version: 1,
      params: { method: this.method },
      count: this.count,
      cols: this.cols,
    };
    if (this.method === 'robust') {
      if (this.centerCache !== undefined) state.center = Array.from(this.centerCache);
      if (this.scaleCache !== undefined) state.scale = Array.from(this.scaleCache);
    } else if (this.mean !== undefined) {
      state.mean = Array.from(this.mean);
      state.m2 = Array.from(this.m2 as Float64Array);
      state.min = Array.from(this.min as Float64Array);
      state.max = Array.from(this.max as Float64Array);
    }
    return state;
  }

  /** Restores a scaler from `toJSON` output. */
  static fromJSON(state: ScalerState): Scaler {
    if (state?.type !== 'scaler' || state.version !== 1) {
      throw new ModelStateError(
        `scaler: expected a saved state with type "scaler" and version 1, received type "${String(state?.type)}" version ${String(state?.version)}`,
      );
    }
    const scaler = new Scaler(state.params.method);
    scaler.cols = state.cols;
    scaler.count = state.count;
    const arrays = scaler.method === 'robust' ? (['center', 'scale'] as const) : (['mean', 'm2', 'min', 'max'] as const);
    if (state.count > 0) {
      for (const key of arrays) {
        const values = state[key];
        if (!Array.isArray(values) || values.length !== state.cols) {
          throw new ModelStateError(`scaler: saved state needs "${key}" with ${state.cols} values; the file is damaged`);
        }
      }
    }
    if (scaler.method === 'robust') {
      if (state.center) scaler.centerCache = Float64Array.from(state.center);
      if (state.scale) scaler.scaleCache = Float64Array.from(state.scale);
    } else if (state.mean) {
      scaler.mean = Float64Array.from(state.mean);
      scaler.m2 = Float64Array.from(state.m2 as number[]);
      scaler.min = Float64Array.from(state.min as number[]);
      scaler.max = Float64Array.from(state.max as number[]);
    }
    return scaler;
  }

  private reset(): void {
    this.cols = 0;
    this.count = 0;
    this.mean = this.m2 = this.min = this.max = undefined;
    this.centerCache = this.scaleCache = undefined;
  }

  private ensureCols(cols: number): void {
    if (this.count > 0 && cols !== this.cols) {
      throw new ModelStateError(`scaler: fitted on ${this.cols} columns, received ${cols}; pass the same columns every time`);
    }
    this.cols = cols;
  }

  private fitRobust(m: Matrix): void {
    if (m.rows === 0) return;
    this.ensureCols(m.cols);
    checkFinite(m);
    const d = m.cols;
    const center = new Float64Array(d);
    const scale = new Float64Array(d);
    const column = new Float64Array(m.rows);
    for (let j = 0; j < d; j++) {
      for (let r = 0; r < m.rows; r++) column[r] = m.data[r * d + j];
      column.sort();
      center[j] = quantileSorted(column, 0.5);
      scale[j] = safeScale(quantileSorted(column, 0.75) - quantileSorted(column, 0.25), center[j]);
    }
    this.count = m.rows;
    this.centerCache = center;
    this.scaleCache = scale;
  }

  private params(): { center: Float64Array; scale: Float64Array } {
    if (this.centerCache === undefined || this.scaleCache === undefined) {
      const d = this.cols;
      const center = new Float64Array(d);
      const scale = new Float64Array(d).fill(1);
      if (this.method === 'standard') {
        const mean = this.mean as Float64Array;
        const m2 = this.m2 as Float64Array;
        for (let j = 0; j < d; j++) {
          center[j] = mean[j];
          scale[j] = safeScale(Math.sqrt(Math.max(0, m2[j]) / this.count), mean[j]);
        }
      } else if (this.method === 'minmax') {
        const min = this.min as Float64Array;
        const max = this.max as Float64Array;
        for (let j = 0; j < d; j++) {
          center[j] = min[j];
          scale[j] = safeScale(max[j] - min[j], min[j]);
        }
      }
      this.centerCache = center;
      this.scaleCache = scale;
    }
    return { center: this.centerCache, scale: this.scaleCache };
  }

  private checked(m: Matrix, op: string): { center: Float64Array; scale: Float64Array } {
    this.requireFitted(op);
    if (m.cols !== this.cols) {
      throw new ModelStateError(`scaler: fitted on ${this.cols} columns, ${op} received ${m.cols}; pass the same columns`);
    }
    return this.params();
  }

  private requireFitted(op: string): void {
    if (!this.isFitted) {
      throw new ModelStateError(`scaler: ${op} called before fit; call fit(m) or partialFit(m) with at least one row first`);
    }
  }
}

/**
 * A spread this small relative to the column's magnitude is rounding noise of a constant column; dividing by
 * it would blow values up, so such columns keep scale 1 (as scikit-learn does).
 */
function safeScale(spread: number, level: number): number {
  return hasSpread(spread, level) && Number.isFinite(spread) ? spread : 1;
}

function hasSpread(spread: number, level: number): boolean {
  return spread > 10 * Number.EPSILON * Math.max(1, Math.abs(level));
}

function checkFinite(m: Matrix): void {
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new DataError(`scaler: cannot fit on a non-finite value in feature column ${i % cols}`, {
        row: Math.floor(i / cols),
        expected: 'finite number',
        received: String(data[i]),
      });
    }
  }
}

/**
 * Indices of the columns of `m` with no spread (max - min within rounding noise of the column's level): the
 * columns a `Scaler` gives scale 1 instead of dividing by zero. They carry no information a model can learn;
 * when every column is such, a fitted model would score every row alike. Several matrices (with the same
 * columns) count as their rows stacked.
 */
export function constantColumns(m: Matrix | readonly Matrix[]): number[] {
  const parts = Array.isArray(m) ? (m as readonly Matrix[]) : [m as Matrix];
  const cols = parts[0]?.cols ?? 0;
  const rows = parts.reduce((n, part) => n + part.rows, 0);
  const out: number[] = [];
  for (let j = 0; j < cols; j++) {
    let min = Infinity;
    let max = -Infinity;
    for (const { data, rows: partRows } of parts) {
      for (let r = 0; r < partRows; r++) {
        const v = data[r * cols + j];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (rows > 0 && !hasSpread(max - min, min)) out.push(j);
  }
  return out;
}
