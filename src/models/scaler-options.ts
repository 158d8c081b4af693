import { z } from 'zod';

/**
 * How a `Scaler` maps each column, declared once (the stages' `scaler` param, `latentflow fit --scaler`
 * and the model check read this schema):
 * - `standard`: (x - mean) / sd, population sd (ddof 0, as scikit-learn); streams with Welford's algorithm.
 * - `minmax`: (x - min) / (max - min), so the fitted data lies in [0, 1]; streams with a running min/max.
 * - `robust`: (x - median) / IQR (75th minus 25th percentile); needs all rows at once, so `fit` only.
 * - `none`: identity (copies).
 */
export const scalerMethodSchema = z.enum(['standard', 'minmax', 'robust', 'none']);

export type ScalerMethod = z.output<typeof scalerMethodSchema>;

/** Accepted values of `ScalerMethod`. */
export const SCALER_METHODS: readonly ScalerMethod[] = scalerMethodSchema.options;
