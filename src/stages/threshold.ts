import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { boolColumn, float64Column, withColumns } from '../io/batch.js';
import { checkReachable, conformalPValues, flagByRule, isConformalRule, requireCalibration, ruleLevel } from '../models/conformal.js';
import { fitThreshold, type ThresholdRule, type ThresholdState } from '../models/threshold.js';
import { defineStage } from '../contract/stage.js';
import { modelRef } from './shared/model-ref.js';
import { modelRefParam, outputPrefixParam, stageThresholdRuleParam, watchModelParams } from './shared/params.js';
import { scoresOf } from './shared/score-column.js';

const params = z
  .strictObject({
    model: modelRefParam.optional().describe('Use the threshold saved with this model (fit stage id or model directory); with rule fpr or fdr, its calibration scores'),
    ...watchModelParams,
    rule: stageThresholdRuleParam
      .optional()
      .describe('Fit a threshold on the scores of the rows flowing through (holds them all first); or, with `model`, fpr/fdr on conformal p-values (row by row, batch by batch)'),
    scoreColumn: z.string().default('score').describe('Column holding the scores'),
    column: z.string().default('is_anomaly').describe('Name of the boolean flag column'),
    pValueColumn: z
      .string()
      .default('p_value')
      .describe("Name of the conformal p-value column the fpr and fdr rules add: (1 + calibration scores >= score) / (calibration rows + 1)"),
    outputPrefix: outputPrefixParam,
  })
  .superRefine((p, issues) => {
    if (p.rule !== undefined && isConformalRule(p.rule)) {
      if (p.model === undefined) {
        issues.addIssue({ code: 'custom', path: ['model'], message: `rule ${p.rule.method} judges p-values against a model's calibration scores: set \`model\` (a fit stage id or model directory fitted with calibrationSplit)` });
      }
    } else if ((p.model === undefined) === (p.rule === undefined)) {
      issues.addIssue({ code: 'custom', message: 'set exactly one of `model` (use its saved threshold) or `rule` (fit one on these scores), or both with rule fpr or fdr' });
    }
  });

/**
 * Flags rows whose score is above the threshold (the model's saved one, or one fitted here by rule), or,
 * with rule fpr/fdr, whose conformal p-value against the model's calibration scores passes the rule.
 */
export const threshold = defineStage({
  type: 'threshold',
  kind: 'transform',
  description: 'Flags rows whose score exceeds a threshold (saved with the model, or fitted here by rule), or by conformal p-value (rules fpr, fdr)',
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
        if (ref && p.rule !== undefined && isConformalRule(p.rule)) {
          const rule = p.rule;
          const { option, level } = ruleLevel(rule);
          let i = 0;
          for await (const given of input) {
            // Per batch, as the saved threshold is: a watched model may have been replaced, and the batch
            // says which version scored it.
            const { detector, batch } = await ref.forBatch(given);
            const calibration = requireCalibration(detector.calibration, `threshold rule ${rule.method} (model "${p.model}")`);
            checkReachable(option, level, calibration.scores.length);
            const scores = scoresOf(batch, i, p.scoreColumn, 'threshold');
            const pValues = conformalPValues(calibration.scores, scores);
            const flags = flagByRule(pValues, rule);
            rows += flags.length;
            for (const f of flags) if (f) anomalies++;
            i++;
            yield withColumns(batch, [float64Column(`${p.outputPrefix}${p.pValueColumn}`, pValues), boolColumn(`${p.outputPrefix}${p.column}`, flags)], {
              stage: 'threshold',
              option: 'outputPrefix',
            });
          }
          return;
        }
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
        const rule = p.rule as ThresholdRule;
        if (rule.method === 'fixed') {
          state = fitThreshold([], rule);
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
        state = fitThreshold(all, rule);
        ctx.logger.info({ threshold: state.threshold, rule }, 'threshold fitted on the stream');
        for (let i = 0; i < held.length; i++) yield flag(held[i], i, state.threshold);
      },
      async close() {},
      stats: () => ({
        rows,
        anomalies,
        threshold: state?.threshold,
        method: state?.method ?? p.rule?.method,
        ...(p.rule !== undefined && isConformalRule(p.rule) ? { level: ruleLevel(p.rule).level } : {}),
      }),
    };
  },
});
