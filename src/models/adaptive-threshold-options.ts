import type { z } from 'zod';
import { option, optionKit, withDefaults } from './option-schema.js';

/**
 * The streaming threshold's options, declared once: the `adaptive-threshold` stage takes them as params,
 * the monitor's `adaptiveThreshold` (and `--adaptive-threshold`) reuse them, `AdaptiveThreshold` runs with
 * their parsed type, and `latentflow list` shows their descriptions and defaults.
 */

/**
 * Flagged rows above this many times their expected share (1 − quantile) are an incident, not noise: their
 * scores are counted but not learnt (unless `learnFlagged`). On a stationary stream the share of a 5000-row
 * window varies by about 15 % of 1 − q (binomial), so 2 leaves ordinary fluctuation learnt and takes out
 * any burst that at least doubles the flag rate.
 */
export const BURST_SHARE = 2;

const k = optionKit('adaptive threshold');

export const adaptiveThresholdShape = {
  quantile: option(k.number({ gt: 0, lt: 1 }), 0.99, 'Quantile of recent scores used as the threshold, in (0, 1); 0.99 flags about 1 % of rows'),
  warmupRows: option(
    k.number({ isInteger: true, min: 1 }),
    1000,
    'Rows scored before the streaming quantile is used (rows); meanwhile the model threshold applies, or nothing is flagged',
  ),
  windowRows: option(
    k.number({ isInteger: true, min: 0 }),
    100_000,
    'Rows per window (rows); the quantile covers the current and the previous window, so it follows drift with a memory of 1-2 windows; 0 never forgets',
  ),
  relativeAccuracy: option(k.number({ gt: 0, lt: 1 }), 0.01, 'Relative accuracy of the DDSketch quantile, in (0, 1); 0.01 = within 1 %'),
  learnFlagged: option(
    k.boolean(),
    false,
    `Learn flagged rows however many there are; off, flagged rows beyond ${BURST_SHARE} times their expected share (an incident) are counted but not learnt, so a long burst cannot raise the bar (a normal level that moves up stays flagged until refit)`,
  ),
};

/** The options with their defaults applied by the parse, as the stage and the monitor read them. */
export const adaptiveThresholdParams = withDefaults(adaptiveThresholdShape);

/** What `AdaptiveThreshold` runs with: every option filled in, plus the threshold of the warm-up (the model's, or null to flag nothing). */
export type AdaptiveThresholdOptions = z.output<z.ZodObject<typeof adaptiveThresholdParams>> & { warmupThreshold: number | null };
