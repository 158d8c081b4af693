import type { z } from 'zod';
import { derivedOption, option, optionKit } from './option-schema.js';

/**
 * The options of `PcaModel`, declared once: the constructor validates with this schema, the `pca-fit` stage
 * takes its keys as params, and `latentflow list` and `latentflow fit --help` show its descriptions and
 * defaults. PCA centres the data but never scales it: put a `Scaler` in front when columns have different units.
 */

/** Accepted values of `scoreBy`. */
export const PCA_SCORE_BYS = ['reconstruction', 'mahalanobis'] as const;
/** What `score` returns; see `scoreBy` below. */
export type PcaScoreBy = (typeof PCA_SCORE_BYS)[number];

/** Variance fraction kept when neither `k` nor `varianceFraction` is given. */
export const DEFAULT_VARIANCE_FRACTION = 0.95;

/**
 * `scoreBy` when none is given: mean ROC-AUC 0.834 against 0.666 for `reconstruction` on the peer benchmark
 * (bench/results/peers-defaults.md); states saved before this option existed load as `reconstruction`.
 */
export const DEFAULT_PCA_SCORE_BY: PcaScoreBy = 'mahalanobis';

const k = optionKit('pca');

/** The keys of `pcaOptions`, for a stage that takes them beside its own params. */
export const pcaOptionShape = {
  k: derivedOption(k.number({ isInteger: true, min: 1 }), 'Number of principal components kept, at most the number of input columns (default: by varianceFraction)'),
  varianceFraction: option(
    k.number({ gt: 0, max: 1 }),
    DEFAULT_VARIANCE_FRACTION,
    'Keep the fewest components whose explained-variance ratios sum to at least this fraction, in (0, 1]; only without k',
  ),
  scoreBy: option(
    k.oneOf(PCA_SCORE_BYS),
    DEFAULT_PCA_SCORE_BY,
    'Score: reconstruction (mean squared error from the kept components) or mahalanobis (squared Mahalanobis distance over all components / d, variances floored at the mean column variance; k then only shapes encode and reconstruct)',
  ),
};

/** The rule between PCA options: `k` and `varianceFraction` both choose the component count. */
export function refinePcaOptions(c: { k?: number; varianceFraction?: number }, ctx: z.core.$RefinementCtx): void {
  if (c.k !== undefined && c.varianceFraction !== undefined) ctx.addIssue({ code: 'custom', path: ['k'], message: k.message('give either k or varianceFraction, not both') });
}

/** Every PCA option and the rule between them. */
export const pcaOptions = k.object(pcaOptionShape, 'an options object').superRefine(refinePcaOptions);

/** Options of `PcaModel`; at most one of `k` and `varianceFraction`. */
export type PcaConfig = z.input<typeof pcaOptions>;
