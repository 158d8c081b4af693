import { ArtifactError, LatentflowError, ModelStateError, showValue as show } from '../errors.js';
import { ensembleStateProblem } from '../models/autoencoder/autoencoder-ensemble.js';
import { neighborStatsProblem } from '../models/autoencoder/code-neighbors.js';
import type { Detector } from '../models/detector.js';
import { DRIFT_BINS } from '../models/drift.js';
import { type ColumnEncoding, type FeatureEncoding, layoutBlocks } from '../models/feature-encoding.js';
import { savedAxesCover } from '../models/pca.js';
import { SCALER_METHODS } from '../models/scaler.js';
import { validateRule } from '../models/threshold.js';

/**
 * The checks that keep a model which cannot score out of use, run on the same JSON form twice: by the fit
 * before it saves (`checkFittedDetector`) and by `loadDetector` on every manifest it reads
 * (`validateManifest`). A model passes only when every field scoring reads is present, has the length the
 * feature list implies, and holds finite numbers (scales and variances > 0). A scale of 0 or a NaN
 * threshold would otherwise load and flag every row (or none) without any error.
 *
 * Problems are found by `manifestProblem`, which returns one sentence naming the field (`scaler.scale[2]`)
 * and what it holds; the callers wrap it in the error type of their situation.
 */

/** Throws `ArtifactError` naming `dir` and the bad field when `manifest` (parsed latentflow.json) cannot score. */
export function validateManifest(dir: string, manifest: unknown): void {
  const problem = manifestProblem(manifest);
  if (problem !== undefined) {
    throw new ArtifactError(dir, `latentflow.json: ${problem}; the model directory is damaged or was edited: fit the model again`);
  }
}

/**
 * Refuses a freshly fitted detector that could not score: its weights must be finite and its saved form must
 * pass the same checks as a loaded manifest. (The fit checks its training scores itself, before the
 * threshold.) Throws `ModelStateError` saying what is wrong.
 */
export function checkFittedDetector(detector: Detector): void {
  const model = detector.model as { toJSON?: () => unknown; getWeights?: () => Float32Array[] };
  const weights = model.getWeights?.() ?? [];
  for (let w = 0; w < weights.length; w++) {
    const at = firstNonFinite(weights[w]);
    if (at >= 0) {
      throw new ModelStateError(`${detector.kind}: weight tensor ${w} holds ${String(weights[w][at])} after fitting; lower the learning rate or check the feature values`);
    }
  }
  const problem = manifestProblem({
    kind: detector.kind,
    features: [...detector.features],
    ...(detector.encoding !== null ? { encoding: detector.encoding } : {}),
    missing: detector.missing,
    scaler: detector.scaler.toJSON(),
    threshold: detector.threshold,
    model: model.toJSON?.(),
    training: detector.training,
    ...(detector.calibration !== null ? { calibration: detector.calibration } : {}),
    ...(detector.drift !== null ? { drift: detector.drift } : {}),
  });
  if (problem !== undefined) throw new ModelStateError(`${detector.kind}: the fitted model cannot score: ${problem}`);
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

type Obj = Record<string, unknown>;

/** The first reason `manifest` cannot score, as one sentence, or undefined when it can. */
export function manifestProblem(manifest: unknown): string | undefined {
  try {
    const m = object(manifest, 'the manifest');
    const features = featureList(m.features);
    // With an encoding the model's matrix has its slots, and the scaler covers the numeric ones only.
    const encoding = m.encoding === undefined ? undefined : encodingState(m.encoding, features);
    const n = encoding?.width ?? features.length;
    missingPolicy(m.missing, features.length);
    scalerState(m.scaler, encoding?.numericWidth ?? n);
    threshold(m.threshold);
    if (m.kind === 'pca') pcaState(object(m.model, 'model'), n);
    else if (m.kind === 'autoencoder') autoencoderState(object(m.model, 'model'), n);
    else throw new Problem(`kind is ${show(m.kind)}; expected "autoencoder" or "pca"`);
    object(m.training, 'training');
    if (m.calibration !== undefined) calibrationState(m.calibration);
    if (m.drift !== undefined) driftState(m.drift, n);
    return undefined;
  } catch (error) {
    if (error instanceof Problem) return error.message;
    throw error;
  }
}

/** A manifest field that fails a check; caught by `manifestProblem`. */
class Problem extends Error {}

function featureList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new Problem(`features is ${show(value)}; expected a non-empty list of column names`);
  const seen = new Set<string>();
  value.forEach((name, i) => {
    if (typeof name !== 'string' || name === '') throw new Problem(`features[${i}] is ${show(name)}; expected a non-empty column name`);
    if (seen.has(name)) throw new Problem(`features lists "${name}" twice; every feature column must be distinct`);
    seen.add(name);
  });
  return value as string[];
}

/** A saved encoding must cover exactly the features, in order, and its blocks must be the layout of its columns. */
function encodingState(value: unknown, features: readonly string[]): FeatureEncoding {
  const e = object(value, 'encoding');
  if (e.version !== 1) throw new Problem(`encoding.version is ${show(e.version)}; expected 1`);
  if (e.onUnknown !== 'slot' && e.onUnknown !== 'error') throw new Problem(`encoding.onUnknown is ${show(e.onUnknown)}; expected slot or error`);
  if (!Array.isArray(e.columns) || e.columns.length !== features.length) throw new Problem(`encoding.columns has ${Array.isArray(e.columns) ? e.columns.length : show(e.columns)} entries; expected one per feature (${features.length})`);
  (e.columns as unknown[]).forEach((value, i) => {
    const c = object(value, `encoding.columns[${i}]`);
    if (c.column !== features[i]) throw new Problem(`encoding.columns[${i}].column is ${show(c.column)}; expected "${features[i]}" (the features, in order)`);
    if (c.kind === 'timestamp' && !(Array.isArray(c.cyclic) && c.cyclic.length > 0 && c.cyclic.every((f) => f === 'hourOfDay' || f === 'dayOfWeek'))) {
      throw new Problem(`encoding.columns[${i}].cyclic is ${show(c.cyclic)}; expected a non-empty list of hourOfDay, dayOfWeek`);
    }
    if (c.kind === 'categorical') {
      const isText = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
      if ((c.method !== 'one-hot' && c.method !== 'hash') || !isText(c.categories) || !isText(c.seen) || !Number.isSafeInteger(c.buckets)) {
        throw new Problem(`encoding.columns[${i}] is not a one-hot or hash categorical encoding (method, categories, seen, buckets)`);
      }
      if (c.method === 'hash' && (c.buckets as number) < 2) throw new Problem(`encoding.columns[${i}].buckets is ${show(c.buckets)}; expected at least 2`);
    } else if (c.kind !== 'numeric' && c.kind !== 'boolean' && c.kind !== 'timestamp') {
      throw new Problem(`encoding.columns[${i}].kind is ${show(c.kind)}; expected numeric, boolean, categorical or timestamp`);
    }
  });
  const layout = layoutBlocks(e.columns as ColumnEncoding[]);
  if (JSON.stringify({ blocks: e.blocks, width: e.width, numericWidth: e.numericWidth }) !== JSON.stringify(layout)) {
    throw new Problem('encoding.blocks, width or numericWidth do not match the layout of encoding.columns');
  }
  return e as unknown as FeatureEncoding;
}

function missingPolicy(value: unknown, n: number): void {
  const m = object(value, 'missing');
  if (m.policy !== 'error' && m.policy !== 'drop' && m.policy !== 'impute') {
    throw new Problem(`missing.policy is ${show(m.policy)}; expected error, drop or impute`);
  }
  // Models saved before the means were always kept have null here; impute then says so when it is asked for.
  if (m.imputeValues !== null && m.imputeValues !== undefined) finiteArray(m.imputeValues, 'missing.imputeValues', n);
  else if (m.policy === 'impute') throw new Problem('missing.policy is impute but missing.imputeValues is absent');
}

function scalerState(value: unknown, n: number): void {
  const s = object(value, 'scaler');
  if (s.type !== 'scaler' || s.version !== 1) throw new Problem(`scaler has type ${show(s.type)} version ${show(s.version)}; expected "scaler" version 1`);
  const method = object(s.params, 'scaler.params').method;
  if (!SCALER_METHODS.includes(method as never)) throw new Problem(`scaler.params.method is ${show(method)}; expected one of ${SCALER_METHODS.join(', ')}`);
  if (s.cols !== n) throw new Problem(`scaler.cols is ${show(s.cols)} but the model has ${n} features`);
  if (typeof s.count !== 'number' || !Number.isSafeInteger(s.count) || s.count < 1) {
    throw new Problem(`scaler.count is ${show(s.count)}; expected the number of training rows (>= 1)`);
  }
  if (method === 'robust') {
    finiteArray(s.center, 'scaler.center', n);
    positiveArray(s.scale, 'scaler.scale', n);
  } else if (method === 'standard' || method === 'minmax') {
    finiteArray(s.mean, 'scaler.mean', n);
    const m2 = finiteArray(s.m2, 'scaler.m2', n);
    const min = finiteArray(s.min, 'scaler.min', n);
    const max = finiteArray(s.max, 'scaler.max', n);
    for (let j = 0; j < n; j++) {
      if (m2[j] < 0) throw new Problem(`scaler.m2[${j}] is ${m2[j]}; a sum of squares cannot be negative`);
      if (min[j] > max[j]) throw new Problem(`scaler.min[${j}] is ${min[j]}, above scaler.max[${j}] ${max[j]}`);
    }
  }
}

function threshold(value: unknown): void {
  if (value === null || value === undefined) return;
  const t = object(value, 'threshold');
  if (typeof t.threshold !== 'number' || !Number.isFinite(t.threshold)) {
    throw new Problem(`threshold.threshold is ${show(t.threshold)}; expected a finite number (a NaN or infinite threshold flags every row or none)`);
  }
  try {
    // The saved state is the rule plus the fitted cut-off.
    const { threshold: _cutOff, ...rule } = t;
    validateRule(rule);
  } catch (error) {
    if (error instanceof LatentflowError) throw new Problem(`threshold rule: ${error.message}`);
    throw error;
  }
}

/** Calibration scores must be finite and ascending: p-values count them by binary search. */
function driftState(value: unknown, n: number): void {
  const d = object(value, 'drift');
  if (d.version !== 1) throw new Problem(`drift.version is ${show(d.version)}; expected 1`);
  if (typeof d.rows !== 'number' || !Number.isSafeInteger(d.rows) || d.rows < 1) throw new Problem(`drift.rows is ${show(d.rows)}; expected a positive integer`);
  const binned = (v: unknown, name: string) => {
    const b = object(v, name);
    finiteArray(b.edges, `${name}.edges`, DRIFT_BINS - 1);
    finiteArray(b.expected, `${name}.expected`, DRIFT_BINS);
    return b;
  };
  if (!Array.isArray(d.features) || d.features.length !== n) throw new Problem(`drift.features has ${Array.isArray(d.features) ? d.features.length : show(d.features)} entries; expected one per feature (${n})`);
  d.features.forEach((f, j) => binned(f, `drift.features[${j}]`));
  const s = binned(d.score, 'drift.score');
  finiteArray(s.percentiles, 'drift.score.percentiles', 99);
  finiteArray(s.cdf, 'drift.score.cdf', 99);
}

function calibrationState(value: unknown): void {
  const c = object(value, 'calibration');
  if (typeof c.fraction !== 'number' || !(c.fraction > 0 && c.fraction <= 0.5)) throw new Problem(`calibration.fraction is ${show(c.fraction)}; expected a number in (0, 0.5]`);
  const scores = finiteArray(c.scores, 'calibration.scores');
  if (scores.length === 0) throw new Problem('calibration.scores is empty; expected the scores of at least one held-out row');
  for (let i = 1; i < scores.length; i++) {
    if (scores[i] < scores[i - 1]) throw new Problem(`calibration.scores[${i}] is ${scores[i]}, below calibration.scores[${i - 1}] ${scores[i - 1]}; expected ascending scores`);
  }
}

function pcaState(s: Obj, n: number): void {
  if (s.type !== 'pca' || s.version !== 1) throw new Problem(`model has type ${show(s.type)} version ${show(s.version)}; expected "pca" version 1`);
  if (s.inputDim !== n) throw new Problem(`model.inputDim is ${show(s.inputDim)} but the model has ${n} features`);
  const k = s.k;
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1 || k > n) throw new Problem(`model.k is ${show(k)}; expected an integer from 1 to ${n}`);
  finiteArray(s.mean, 'model.mean', n);
  finiteArray(s.components, 'model.components', k * n);
  if (s.varianceRatios !== undefined) finiteArray(s.varianceRatios, 'model.varianceRatios');
  if (s.allAxes !== undefined || s.axisVariances !== undefined) {
    const variances = positiveArray(s.axisVariances, 'model.axisVariances');
    const axes = finiteArray(s.allAxes, 'model.allAxes');
    if (!savedAxesCover(axes, variances, n)) {
      throw new Problem(`model.allAxes has ${axes.length} values for ${variances.length} axis variances of ${n} features; expected ${n} values per axis, for every axis or for those before a tail of equal variances`);
    }
  }
}

function autoencoderState(s: Obj, n: number): void {
  if (s.type === 'autoencoder-ensemble') {
    const problem = ensembleStateProblem(s, n);
    if (problem !== undefined) throw new Problem(problem);
    // Each member must pass the single network's checks; its fields are named under model.members[i].
    (s.members as unknown[]).forEach((member, i) => {
      try {
        autoencoderState(object(member, `model.members[${i}]`), n);
      } catch (error) {
        if (error instanceof Problem) throw new Problem(`model.members[${i}]: ${error.message}`);
        throw error;
      }
    });
    return;
  }
  if (s.type !== 'autoencoder' || s.version !== 1) {
    throw new Problem(`model has type ${show(s.type)} version ${show(s.version)}; expected "autoencoder" version 1`);
  }
  if (s.inputDim !== n) throw new Problem(`model.inputDim is ${show(s.inputDim)} but the model has ${n} features`);
  const codeSize = object(s.params, 'model.params').codeSize;
  if (typeof codeSize !== 'number' || !Number.isSafeInteger(codeSize) || codeSize < 1) {
    throw new Problem(`model.params.codeSize is ${show(codeSize)}; expected a positive integer`);
  }
  const neighbors = neighborStatsProblem(s.neighbors, codeSize, 'model.neighbors');
  if (neighbors !== undefined) throw new Problem(neighbors);
  if (s.scoring === null || s.scoring === undefined) return;
  const stats = object(s.scoring, 'model.scoring');
  for (const [key, v] of Object.entries(stats)) {
    if (Array.isArray(v)) {
      if (key === 'residualScale') positiveArray(v, `model.scoring.${key}`, n);
      else finiteArray(v, `model.scoring.${key}`);
    } else if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new Problem(`model.scoring.${key} is ${show(v)}; expected a finite number`);
    }
  }
}

function object(value: unknown, name: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Problem(`${name} is ${show(value)}; expected an object`);
  return value as Obj;
}

/** `value` as an array of finite numbers (of `length`, when given). */
function finiteArray(value: unknown, name: string, length?: number): number[] {
  if (!Array.isArray(value)) throw new Problem(`${name} is ${show(value)}; expected ${length ?? 'a list of'} numbers`);
  if (length !== undefined && value.length !== length) throw new Problem(`${name} has ${value.length} values; expected ${length}`);
  value.forEach((v, i) => {
    // JSON has no NaN or Infinity: a damaged file holds null or a string there.
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Problem(`${name}[${i}] is ${show(v)}; expected a finite number`);
  });
  return value as number[];
}

function positiveArray(value: unknown, name: string, length?: number): number[] {
  const values = finiteArray(value, name, length);
  values.forEach((v, i) => {
    if (v <= 0) throw new Problem(`${name}[${i}] is ${v}; expected a number > 0 (scoring divides by it)`);
  });
  return values;
}
