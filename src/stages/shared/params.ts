import { z } from 'zod';
import { DataError } from '../../errors.js';
import { encodingParam, fitFeaturesParam, kindsParam } from '../../io/feature-options.js';
import { scalerMethodSchema } from '../../models/scaler-options.js';
import { DEFAULT_THRESHOLD, ruleText } from '../../models/threshold.js';
import { conformalRuleSchema, thresholdRuleSchema } from '../../models/threshold-options.js';

/**
 * Param fragments shared by several stages, so the same option has the same name, default and description
 * everywhere (and in `latentflow list`).
 */

export const featuresParam = z
  .union([z.literal('numeric'), z.array(z.string().min(1)).min(1)])
  .default('numeric')
  .describe('Feature columns by name, or "numeric" for every numeric column not in `exclude`');

/**
 * The feature params of the fit stages (`autoencoder-fit`, `pca-fit`, the library's `fitDetector`): which
 * columns, of which kind, encoded how (declared in io/feature-options.ts).
 */
export const fitFeatureParams = {
  features: fitFeaturesParam,
  kinds: kindsParam,
  encoding: encodingParam,
};

export const excludeParam = z
  .array(z.string())
  .default([])
  .describe('Columns never used as features with features: numeric (ids, labels, timestamps pass through anyway)');

export const onMissingParam = z
  .enum(['error', 'drop', 'impute'])
  .describe('Null/NaN/infinite feature values: error names row and column; drop removes the row (counted); impute uses the training mean');

/** The scaler choice without a default, for stages whose default differs (autoencoder-fit). */
export const scalerMethodParam = scalerMethodSchema;

export const scalerParam = scalerMethodParam.default('standard').describe('Feature scaling fitted on training rows and saved with the model');

/** The threshold rules (models/threshold-options.ts), under the names the stages use. */
export const thresholdRuleParam = thresholdRuleSchema;
export const conformalRuleParam = conformalRuleSchema;

/** The rules of the `threshold` stage: the fit rules, fitted on the scores flowing through, and the p-value rules. */
export const stageThresholdRuleParam = z
  .discriminatedUnion('method', [...thresholdRuleParam.options, ...conformalRuleParam.options])
  .describe('Threshold rule: {method: contamination|percentile|fixed|mad, value|k} fitted on these scores, or {method: fpr, alpha} | {method: fdr, q} on p-values against the model\'s calibration scores');

/** The threshold a fit stage saves with its model; every fitted model has one, so `threshold: {model}` works. */
export const fitThresholdParam = thresholdRuleParam
  .default(DEFAULT_THRESHOLD)
  .describe(`Threshold rule fitted on the training scores and saved with the model (default ${ruleText(DEFAULT_THRESHOLD)})`);

/**
 * Share of the valid training rows (chosen by the seed) held out of scaler and model fitting; their scores
 * are saved with the model as calibration scores for conformal p-values (threshold rules fpr and fdr).
 * In [0, 0.5], default 0 (no calibration: every row trains, as before this option).
 */
export const calibrationSplitParam = z
  .number()
  .min(0)
  .max(0.5)
  .default(0)
  .describe('Share of training rows (seeded) held out of fitting; their scores are saved as calibration scores for p_value and the threshold rules fpr/fdr, in [0, 0.5]; 0 = none');

export const modelRefParam = z
  .string()
  .min(1)
  .describe('Id of a fit stage earlier in this pipeline, or a model directory (relative to the pipeline file)');

export const maxRowsParam = z
  .number()
  .int()
  .positive()
  .default(5_000_000)
  .describe('Most training rows held in memory (rows); more is an error suggesting a sample');

/** The error for the rows a stage holds (`what`) past `maxRows`, raised as soon as they pass it. */
export function tooManyRows(what: string, maxRows: number, rows: number): DataError {
  return new DataError(`${what} exceeds maxRows=${maxRows}; raise maxRows or use a sample`, { expected: `at most ${maxRows} rows`, received: `${rows}+ rows` });
}

/**
 * Prefix put before the name of every column a stage adds (score, err_<f>, is_anomaly, z0.., r_<f>, x/y),
 * default '' (none). An added column whose name is already in the input is an error naming this option,
 * so `outputPrefix: "lf_"` is the one way to keep both. Stages that read those columns later take the
 * prefixed name (e.g. threshold `scoreColumn: lf_score`).
 */
/**
 * Watch mode of a stage's model directory, the same two params on every model stage: hot reload for
 * long-running pipelines. Watching is per directory and run: one stage asking for it makes every stage
 * naming that directory switch models at the same batch (stages/shared/model-ref.ts).
 */
export const watchModelParams = {
  watchModel: z
    .boolean()
    .default(false)
    .describe('Reload the model directory when it is replaced (as latentflow fit -m does), between batches; a replacement with other features, or one that fails to load, is logged and the current model kept'),
  reloadCheckMs: z.number().int().positive().default(1000).describe('How often a watched model directory is checked for a replacement (ms), besides fs.watch'),
};

export const outputPrefixParam = z
  .string()
  .default('')
  .describe('Prefix of every column this stage adds (e.g. "lf_" gives lf_score); an added column may never replace an input column of the same name');
