import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { boolColumn, withColumns } from '../io/batch.js';
import { AdaptiveThreshold } from '../models/adaptive-threshold.js';
import { adaptiveThresholdParams } from '../models/adaptive-threshold-options.js';
import { defineStage } from '../contract/stage.js';
import { modelRef } from './shared/model-ref.js';
import { modelRefParam, outputPrefixParam, watchModelParams } from './shared/params.js';
import { scoresOf } from './shared/score-column.js';

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
