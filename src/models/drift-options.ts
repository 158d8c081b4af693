import type { z } from 'zod';
import { option, optionKit, withDefaults } from './option-schema.js';

/**
 * When a drift window is an alarm, declared once: the `drift` stage and the monitor's `drift` option take
 * these as params, `DriftMonitor` runs with their parsed type, `latentflow list` shows them.
 */

const k = optionKit('drift');

export const driftRuleShape = {
  windowRows: option(k.number({ isInteger: true, min: 100 }), 5000, 'Rows per drift window (rows, >= 100): each window is compared with the training reference'),
  psiAlarm: option(k.number({ gt: 0 }), 0.25, 'PSI above which a feature or the score has drifted (0.1: moderate, 0.25: significant shift)'),
  ksAlpha: option(k.number({ gt: 0, lt: 1 }), 0.001, "Level of the two-sample KS test of the window's scores against the training scores, in (0, 1)"),
};

/** The rule's options with their defaults applied by the parse. */
export const driftRuleParams = withDefaults(driftRuleShape);

/** When a window counts as drifted; see `DriftMonitor`. */
export type DriftRule = z.output<z.ZodObject<typeof driftRuleParams>>;
