import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { boolColumn, withColumns } from '../io/batch.js';
import { fitThreshold, type ThresholdState } from '../models/threshold.js';
import { defineStage } from '../contract/stage.js';
import { modelRef } from './shared/model-ref.js';
import { modelRefParam, outputPrefixParam, thresholdRuleParam, watchModelParams } from './shared/params.js';
import { scoresOf } from './shared/score-column.js';

const params = z
  .strictObject({
    model: modelRefParam.optional().describe('Use the threshold saved with this model (fit stage id or model directory)'),
    ...watchModelParams,
    rule: thresholdRuleParam.optional().describe('Fit a threshold on the scores of the rows flowing through (holds them all first)'),
    scoreColumn: z.string().default('score').describe('Column holding the scores'),
    column: z.string().default('is_anomaly').describe('Name of the boolean flag column'),
    outputPrefix: outputPrefixParam,
  })
  .refine((p) => (p.model === undefined) !== (p.rule === undefined), {
    message: 'set exactly one of `model` (use its saved threshold) or `rule` (fit one on these scores)',
  });

/** Flags rows whose score is above the threshold. */
export const threshold = defineStage({
  type: 'threshold',
  kind: 'transform',
  description: 'Flags rows whose score exceeds a threshold (saved with the model, or fitted here by rule)',
  params,
  create(p, ctx) {
    const ref = p.model !== undefined ? modelRef(p.model, ctx, p) : undefined;
    let rows = 0;
    let anomalies = 0;
    let state: ThresholdState | null = null;
    const flag = (batch: RecordBatch, batchIndex: number, cut: number) => {
      const scores = scoresOf(batch, batchIndex, p.scoreColumn, 'threshold');
      const flags = new Array<boolean>(scores.length);
      for (let i = 0; i < scores.length; i++) {
        flags[i] = scores[i] > cut;
        if (flags[i]) anomalies++;
      }
      rows += scores.length;
      return withColumns(batch, [boolColumn(`${p.outputPrefix}${p.column}`, flags)], { stage: 'threshold', option: 'outputPrefix' });
    };
    return {
      kind: 'transform',
      async *transform(input) {
        if (ref) {
          let i = 0;
          for await (const given of input) {
            const { detector, batch } = await ref.forBatch(given);
            if (!detector.threshold) {
              throw new DataError(`model "${p.model}" has no saved threshold; fit it with a \`threshold\` rule or give this stage a \`rule\``);
            }
            state = detector.threshold;
            yield flag(batch, i++, state.threshold);
          }
          return;
        }
        // A fixed cut-off needs no scores: flag as the rows come.
        if (p.rule!.method === 'fixed') {
          state = fitThreshold([], p.rule!);
          let i = 0;
          for await (const batch of input) yield flag(batch, i++, state.threshold);
          return;
        }
        // Fitting on the stream itself needs every score before the first flag.
        const held: RecordBatch[] = [];
        const all: number[] = [];
        for await (const batch of input) {
          held.push(batch);
          for (const s of scoresOf(batch, held.length - 1, p.scoreColumn, 'threshold')) all.push(s);
        }
        if (held.length === 0) return;
        state = fitThreshold(all, p.rule!);
        ctx.logger.info({ threshold: state.threshold, rule: p.rule }, 'threshold fitted on the stream');
        for (let i = 0; i < held.length; i++) yield flag(held[i], i, state.threshold);
      },
      async close() {},
      stats: () => ({ rows, anomalies, threshold: state?.threshold, method: state?.method }),
    };
  },
});
