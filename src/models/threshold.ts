import { DataError } from '../errors.js';
import { quantileSorted, sortedCopy } from './order-statistics.js';
import { validateRule, type ThresholdRule } from './threshold-options.js';

export { validateRule, type ThresholdRule } from './threshold-options.js';

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
