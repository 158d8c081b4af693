import { ModelConfigError, ModelStateError } from '../errors.js';

/**
 * Split-conformal p-values and the two flag rules built on them. Pure functions over plain arrays: the
 * calibration scores are scores of training rows the model never saw (held out by the fit's
 * `calibrationSplit`), so under exchangeability of those rows and a new normal row,
 * P(p ≤ α) ≤ α for every α: the false-positive rate is bounded without any assumption on the score's shape.
 */

/**
 * Calibration scores saved with a model: ascending, finite, at least one. `fraction` is the share of the
 * valid training rows that was held out for them (the fit's `calibrationSplit`).
 */
export interface CalibrationState {
  fraction: number;
  /** Ascending scores of the held-out rows, in the model's score units. */
  scores: number[];
}

/**
 * Conformal p-value of `score` against ascending `sorted` calibration scores:
 * p = (1 + #{c ≥ score}) / (n + 1), in [1/(n+1), 1]. NaN for a NaN score (never flagged).
 */
export function conformalPValue(sorted: ArrayLike<number>, score: number): number {
  if (Number.isNaN(score)) return NaN;
  const n = sorted.length;
  // Lower bound: the first index whose calibration score is ≥ score; everything from there on counts.
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < score) lo = mid + 1;
    else hi = mid;
  }
  return (1 + (n - lo)) / (n + 1);
}

/** {@link conformalPValue} for every score. */
export function conformalPValues(sorted: ArrayLike<number>, scores: ArrayLike<number>): Float64Array {
  const p = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) p[i] = conformalPValue(sorted, scores[i]);
  return p;
}

import type { ConformalRule } from './threshold-options.js';

export type { ConformalRule } from './threshold-options.js';

/** True for the rules judged on p-values rather than on scores. */
export function isConformalRule(rule: { method: string }): rule is ConformalRule {
  return rule.method === 'fpr' || rule.method === 'fdr';
}

/** The rule's level and the name of its option: alpha for fpr, q for fdr. */
export function ruleLevel(rule: ConformalRule): { option: 'alpha' | 'q'; level: number } {
  return rule.method === 'fpr' ? { option: 'alpha', level: rule.alpha } : { option: 'q', level: rule.q };
}

/** Flags of one batch's p-values by `rule`. */
export function flagByRule(pValues: ArrayLike<number>, rule: ConformalRule): boolean[] {
  return rule.method === 'fpr' ? flagByFpr(pValues, rule.alpha) : flagByFdr(pValues, rule.q);
}

/** The `fpr` rule: flag when p ≤ α. Controls the share of normal rows flagged at α (marginally, per row). */
export function flagByFpr(pValues: ArrayLike<number>, alpha: number): boolean[] {
  const flags = new Array<boolean>(pValues.length);
  for (let i = 0; i < pValues.length; i++) flags[i] = pValues[i] <= alpha;
  return flags;
}

/**
 * The `fdr` rule: Benjamini–Hochberg at level q over one group of p-values (a batch). With m finite
 * p-values sorted ascending, k = max{i : p_(i) ≤ i·q/m}; the k smallest are flagged. Controls the expected
 * share of false flags among the flags at q when the normal rows' p-values are independent or positively
 * dependent (PRDS), which holds for conformal p-values sharing one calibration set (Bates et al. 2023).
 * NaN p-values are no hypothesis: never flagged, not counted in m.
 */
export function flagByFdr(pValues: ArrayLike<number>, q: number): boolean[] {
  const order: number[] = [];
  for (let i = 0; i < pValues.length; i++) if (!Number.isNaN(pValues[i])) order.push(i);
  order.sort((a, b) => pValues[a] - pValues[b]);
  const m = order.length;
  let k = 0;
  for (let i = m; i >= 1; i--) {
    if (pValues[order[i - 1]] <= (i * q) / m) {
      k = i;
      break;
    }
  }
  const flags = new Array<boolean>(pValues.length).fill(false);
  for (let i = 0; i < k; i++) flags[order[i]] = true;
  return flags;
}

/**
 * The smallest level a p-value from `n` calibration scores can reach is 1/(n+1): a rule level below it can
 * never flag. `fpr` needs α ≥ 1/(n+1); `fdr` needs q ≥ 1/(n+1) for the smallest p-value of a one-row batch,
 * and larger batches only ask less of each row (i·q/m), so the same bound is the honest minimum.
 * Throws ModelConfigError naming the option and the calibration rows needed.
 */
export function checkReachable(option: 'alpha' | 'q', level: number, calibrationRows: number): void {
  const smallest = 1 / (calibrationRows + 1);
  if (level < smallest) {
    const needed = Math.ceil(1 / level - 1);
    throw new ModelConfigError(
      option,
      `threshold: ${option}=${level} is below the smallest p-value ${calibrationRows} calibration scores can give (1/${calibrationRows + 1}), so nothing could ever be flagged; ` +
        `raise ${option}, or refit with at least ${needed} calibration rows (more training rows or a larger calibrationSplit)`,
    );
  }
}

/** The calibration scores of a model, or ModelStateError saying how to get them (models fitted without calibrationSplit). */
export function requireCalibration(calibration: CalibrationState | null | undefined, what: string): CalibrationState {
  if (calibration === null || calibration === undefined) {
    throw new ModelStateError(
      `${what} needs calibration scores, and this model was saved without them; refit it with calibrationSplit (e.g. 0.2; --calibration-split on the CLI), which holds that share of the training rows out of fitting and saves their scores`,
    );
  }
  return calibration;
}
