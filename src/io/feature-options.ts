import { z } from 'zod';
import { nameRecord } from '../contract/name-record.js';

/**
 * The feature-selection and encoding options of the fit stages, declared once: the stage params (YAML), the
 * `latentflow fit` flags (their choices and defaults) and `latentflow list` all come from these schemas.
 */

/** Column kinds a user may declare (models/feature-encoding.ts `ColumnKind`). */
export const columnKindParam = z.enum(['numeric', 'boolean', 'categorical', 'timestamp']);

/** Cyclic timestamp features (UTC, each a sin/cos pair). */
export const cyclicFeatureParam = z.enum(['hourOfDay', 'dayOfWeek']);

export const fitFeaturesParam = z
  .union([z.literal('numeric'), z.literal('auto'), z.array(z.string().min(1)).min(1)])
  .default('numeric')
  .describe('Feature columns by name, "numeric" for every numeric column not in `exclude`, or "auto" for every usable column (numeric, boolean, text/dictionary as categorical, timestamps) not in `exclude`');

// A name record, not z.record: a column may be named `constructor` or `__proto__` (contract/name-record.ts).
export const kindsParam = nameRecord(columnKindParam)
  .prefault({})
  .describe('Per-column kind overrides, e.g. {status: categorical} (integer codes as categories); a column named here is a feature whatever `features` says');

/** Default most categories one-hot encoded; above it a column is hashed. */
export const DEFAULT_MAX_ONE_HOT = 32;

/** The fields of `encoding` (the CLI flags that set one of them read its description and range here). */
export const encodingShape = z
  .strictObject({
    maxOneHot: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(DEFAULT_MAX_ONE_HOT)
      .describe(`Most kept categories (after rare ones are folded into "other") for one-hot encoding; a column with more is feature-hashed into hashBuckets slots (default ${DEFAULT_MAX_ONE_HOT}, 1-1024)`),
    hashBuckets: z.number().int().min(2).max(4096).default(64).describe('Slots of a feature-hashed categorical column (FNV-1a of the value), 2-4096 (default 64)'),
    minCategoryShare: z
      .number()
      .min(0)
      .max(0.5)
      .default(0.01)
      .describe('Categories seen in fewer than this share of training rows are folded into one "other" slot at fit, in [0, 0.5] (default 0.01)'),
    onUnknown: z
      .enum(['slot', 'error'])
      .default('slot')
      .describe('A categorical value never seen at fit: slot = its own "unknown" slot, counted in the stage stats (unknownValues); error = DataError naming file, row and column (default slot)'),
    cyclic: z
      .array(cyclicFeatureParam)
      .default(['hourOfDay', 'dayOfWeek'])
      .describe('Cyclic features of timestamp columns, each a sin/cos pair (UTC); [] makes a timestamp feature an error, since a time is never used as a plain number'),
  });

export const encodingParam = encodingShape
  // prefault: an absent block is parsed as {}, so the defaults are the fields' own.
  .prefault({})
  .describe('How non-numeric feature columns are encoded; saved with the model');

/** Parsed `encoding`. */
export type EncodingOptions = z.output<typeof encodingParam>;
/** Parsed `kinds`. */
export type KindOverrides = z.output<typeof kindsParam>;
/** Parsed `features` of a fit stage. */
export type FitFeatures = z.output<typeof fitFeaturesParam>;
