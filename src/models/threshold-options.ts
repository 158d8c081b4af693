import { z } from 'zod';
import { optionKit, parseOptions } from './option-schema.js';

/**
 * The threshold rules, declared once: the fit stages' `threshold`, the `threshold` stage's `rule`, the CLI's
 * `--threshold`, the monitor's `pValueRule` and the model check all read these schemas, and the rule types
 * are derived from them.
 */

const t = optionKit('threshold');

/** Names of the rules fitted on training scores (see {@link thresholdRuleSchema}). */
export const THRESHOLD_METHODS = ['contamination', 'percentile', 'fixed', 'mad'] as const;

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
export const thresholdRuleSchema = t
  .variants(
    'method',
    [
      t.object(
        {
          method: z.literal('contamination'),
          value: t.number({ gt: 0, max: 0.5 }).describe('Expected fraction of anomalies in training data; threshold = (1 - value) quantile of training scores'),
        },
        'a contamination rule {method, value}',
      ),
      t.object({ method: z.literal('percentile'), value: t.number({ min: 0, max: 100 }).describe('Percentile of training scores, 0-100') }, 'a percentile rule {method, value}'),
      t.object({ method: z.literal('fixed'), value: t.number({}).describe('Score above which a row is an anomaly') }, 'a fixed rule {method, value}'),
      t.object({ method: z.literal('mad'), k: t.number({ gt: 0 }).describe('Median + k * 1.4826 * MAD of training scores') }, 'a mad rule {method, k}'),
    ],
    THRESHOLD_METHODS,
    'a threshold rule {method: contamination|percentile|fixed|mad, value|k}',
  )
  .describe('Threshold rule: {method: contamination|percentile|fixed|mad, value|k}');

/** A rule fitted on training scores. */
export type ThresholdRule = z.output<typeof thresholdRuleSchema>;

/**
 * The two rules that judge each row's conformal p-value against the calibration scores saved with the model
 * (see conformal.ts): for the `threshold` stage and the monitor's `pValueRule`. Not fit rules: `fdr`
 * depends on the batch, so neither is a cut-off a model could save.
 */
export const conformalRuleSchema = z
  .discriminatedUnion('method', [
    z.strictObject({
      method: z.literal('fpr'),
      alpha: z.number().gt(0).lt(1).describe('Flag when p_value <= alpha: at most a share alpha of normal rows is flagged (needs a model with calibration scores)'),
    }),
    z.strictObject({
      method: z.literal('fdr'),
      q: z.number().gt(0).lt(1).describe('Benjamini-Hochberg over each batch: on average at most a share q of the flags are normal rows (needs a model with calibration scores)'),
    }),
  ])
  .describe("P-value rule against the model's calibration scores (fit with calibrationSplit): {method: fpr, alpha} | {method: fdr, q}");

/** A p-value rule: `fpr` flags p <= alpha; `fdr` is Benjamini–Hochberg at level q over a batch. */
export type ConformalRule = z.output<typeof conformalRuleSchema>;

/** `rule` checked by {@link thresholdRuleSchema}; throws `ModelConfigError` naming the bad option. */
export function validateRule(rule: unknown): ThresholdRule {
  return parseOptions(thresholdRuleSchema, rule);
}
