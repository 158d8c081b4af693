import { DataError, ModelConfigError } from '../errors.js';
import { quantileSorted, sortedCopy } from './order-statistics.js';

/**
 * How to turn training scores into a cut-off. A row is an anomaly when its score is strictly above it.
 * - `contamination`: the expected fraction of anomalies in the training data, in (0, 0.5]; the threshold is
 *   the (1 - value) quantile of the training scores (PyOD's rule, numpy linear interpolation).
 * - `percentile`: the `value`-th percentile of the training scores, value in [0, 100].
 * - `fixed`: `value` itself, any finite number; the training scores are ignored.
 * - `mad`: median + k · 1.4826 · MAD (median absolute deviation; 1.4826 makes it the sd for normal data),
 *   k > 0. Robust to the anomalies themselves. When over half the scores are equal (MAD 0) the threshold is
 *   the median.
 */
export type ThresholdRule =
  | { method: 'contamination'; value: number }
  | { method: 'percentile'; value: number }
  | { method: 'fixed'; value: number }
  | { method: 'mad'; k: number };

/**
 * The rule a fitted model gets when none is given, in YAML, the CLI and the library API alike: PyOD's default
 * contamination, so a model can flag rows out of the box.
 */
export const DEFAULT_THRESHOLD: ThresholdRule = Object.freeze({ method: 'contamination', value: 0.01 });

/** A rule as the CLI's `--threshold` spells it (`contamination=0.01`), for help texts and messages. */
export function ruleText(rule: ThresholdRule): string {
  return `${rule.method}=${rule.method === 'mad' ? rule.k : rule.value}`;
}

/** Name of a threshold rule. */
export type ThresholdMethod = ThresholdRule['method'];

/** A fitted rule: the rule's own fields plus the resulting `threshold` in score units. */
export type ThresholdState = ThresholdRule & { threshold: number };

/** Scale factor that makes the MAD a consistent estimator of the sd under normality. */
export const MAD_NORMAL_SCALE = 1.4826;

/**
 * Computes the threshold for `rule` from the scores of the training rows.
 * Throws `ModelConfigError` naming the option when the rule is out of range, and `DataError` when the
 * scores are empty (except for `fixed`) or contain a non-finite value.
 */
export function fitThreshold(trainingScores: ArrayLike<number>, rule: ThresholdRule): ThresholdState {
  validateRule(rule);
  if (rule.method === 'fixed') return { method: 'fixed', value: rule.value, threshold: rule.value };
  if (trainingScores.length === 0) {
    throw new DataError(`threshold: the ${rule.method} rule needs training scores, received none; fit on at least one row`);
  }
  for (let i = 0; i < trainingScores.length; i++) {
    if (!Number.isFinite(trainingScores[i])) {
      throw new DataError('threshold: training scores must be finite', {
        row: i,
        expected: 'finite score',
        received: String(trainingScores[i]),
      });
    }
  }
  const sorted = sortedCopy(trainingScores);
  switch (rule.method) {
    case 'contamination':
      return { method: 'contamination', value: rule.value, threshold: quantileSorted(sorted, 1 - rule.value) };
    case 'percentile':
      return { method: 'percentile', value: rule.value, threshold: quantileSorted(sorted, rule.value / 100) };
    case 'mad': {
      const median = quantileSorted(sorted, 0.5);
      const deviations = sorted.map((s) => Math.abs(s - median)).sort();
      const mad = quantileSorted(deviations, 0.5);
      return { method: 'mad', k: rule.k, threshold: median + rule.k * MAD_NORMAL_SCALE * mad };
    }
  }
}

/** True when `score` is strictly above the threshold (a number or a fitted state). NaN is never an anomaly. */
export function isAnomaly(score: number, threshold: number | ThresholdState): boolean {
  return score > (typeof threshold === 'number' ? threshold : threshold.threshold);
}

/** `isAnomaly` for every score: 1 = anomaly, 0 = normal. */
export function flagAnomalies(scores: ArrayLike<number>, threshold: number | ThresholdState): Uint8Array {
  const t = typeof threshold === 'number' ? threshold : threshold.threshold;
  const flags = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) flags[i] = scores[i] > t ? 1 : 0;
  return flags;
}

/** Throws `ModelConfigError` naming the bad option; returns normally for a valid rule. */
export function validateRule(rule: ThresholdRule): void {
  const method = (rule as { method?: unknown })?.method;
  switch (method) {
    case 'contamination':
      requireRange('value', rule as { value: number }, 'contamination', (v) => v > 0 && v <= 0.5, 'in (0, 0.5]');
      return;
    case 'percentile':
      requireRange('value', rule as { value: number }, 'percentile', (v) => v >= 0 && v <= 100, 'in [0, 100]');
      return;
    case 'fixed':
      requireRange('value', rule as { value: number }, 'fixed', () => true, 'a finite number');
      return;
    case 'mad':
      requireRange('k', rule as { k: number }, 'mad', (v) => v > 0, 'a finite number > 0');
      return;
    default:
      throw new ModelConfigError(
        'method',
        `threshold: expected one of contamination, percentile, fixed, mad, received "${String(method)}"`,
      );
  }
}

function requireRange<K extends string>(
  option: K,
  rule: Record<K, number>,
  method: string,
  isValid: (v: number) => boolean,
  expected: string,
): void {
  const v = rule[option];
  if (typeof v !== 'number' || !Number.isFinite(v) || !isValid(v)) {
    throw new ModelConfigError(option, `threshold: the ${method} rule needs ${option} ${expected}, received ${String(v)}`);
  }
}
