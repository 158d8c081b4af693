import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { boolColumn, withColumns } from '../io/batch.js';
import { AdaptiveThreshold } from '../models/adaptive-threshold.js';
import { defineStage } from '../contract/stage.js';
import { modelRef } from './shared/model-ref.js';
import { modelRefParam, outputPrefixParam, watchModelParams } from './shared/params.js';
import { scoresOf } from './shared/score-column.js';

/** The params shared by the stage and the monitor's `--adaptive-threshold`. */
export const adaptiveThresholdParams = {
  quantile: z.number().gt(0).lt(1).default(0.99).describe('Quantile of recent scores used as the threshold, in (0, 1); 0.99 flags about 1 % of rows'),
  warmupRows: z.number().int().positive().default(1000).describe('Rows scored before the streaming quantile is used (rows); meanwhile the model threshold applies, or nothing is flagged'),
  windowRows: z
    .number()
    .int()
    .min(0)
    .default(100_000)
    .describe('Rows per window (rows); the quantile covers the last 1-2 windows, so it follows drift; 0 never forgets'),
  relativeAccuracy: z.number().gt(0).lt(1).default(0.01).describe('Relative accuracy of the DDSketch quantile, e.g. 0.01 = within 1 %'),
  learnFlagged: z
    .boolean()
    .default(false)
    .describe('Learn flagged rows however many there are; off, flagged rows beyond twice their expected share (an incident) are counted but not learnt, so a long burst cannot raise the bar (a normal level that moves up stays flagged until refit)'),
};

const params = z.strictObject({
  ...adaptiveThresholdParams,
  model: modelRefParam.optional().describe('Model whose saved threshold applies during warm-up (fit stage id or model directory); without it nothing is flagged during warm-up. A reloaded model (watchModel) starts a new warm-up'),
  ...watchModelParams,
  scoreColumn: z.string().default('score').describe('Column holding the scores'),
  column: z.string().default('is_anomaly').describe('Name of the boolean flag column'),
  outputPrefix: outputPrefixParam,
});

/** Flags rows above a streaming quantile of recent scores, for drifting streams. */
export const adaptiveThreshold = defineStage({
  type: 'adaptive-threshold',
  kind: 'transform',
  description: 'Flags rows above a streaming quantile of recent scores (DDSketch, warm-up, sliding windows), for drifting streams',
  params,
  create(p, ctx) {
    const ref = p.model !== undefined ? modelRef(p.model, ctx, p) : undefined;
    let state: AdaptiveThreshold | undefined;
    let rows = 0;
    let anomalies = 0;
    return {
      kind: 'transform',
      async *transform(input) {
        let batchIndex = 0;
        let version = 0;
        for await (const given of input) {
          const current = ref ? await ref.forBatch(given) : undefined;
          const batch = current?.batch ?? given;
          // Another model's scores say nothing about this one's: a reload starts a new warm-up.
          if (state === undefined || (current !== undefined && current.version !== version)) {
            version = current?.version ?? 0;
            state = new AdaptiveThreshold({ ...p, warmupThreshold: current?.detector.threshold?.threshold ?? null });
          }
          const flags = state.flagAndLearn(scoresOf(batch, batchIndex++, p.scoreColumn, 'adaptive-threshold'));
          rows += flags.length;
          for (const f of flags) if (f) anomalies++;
          yield withColumns(batch, [boolColumn(`${p.outputPrefix}${p.column}`, flags)], { stage: 'adaptive-threshold', option: 'outputPrefix' });
        }
      },
      async close() {},
      stats: () => ({ rows, anomalies, threshold: state?.threshold() ?? null, method: 'adaptive', isWarm: state?.isWarm() ?? false, holdingOutFlagged: state?.isHoldingOutFlagged() ?? false }),
    };
  },
});
