import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';
import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { boolColumn, withColumns } from '../io/batch.js';
import { defineStage } from '../pipeline/stage.js';
import { modelRef } from './model-ref.js';
import { modelRefParam, outputPrefixParam } from './params.js';
import { scoresOf } from './score-column.js';

/** Settings of {@link AdaptiveThreshold}. */
export interface AdaptiveThresholdOptions {
  /** The quantile of recent scores used as the threshold, in (0, 1), e.g. 0.99 flags about 1 % of rows. */
  quantile: number;
  /** Scores seen before the streaming quantile is used (rows, ≥ 1); meanwhile `warmupThreshold` applies. */
  warmupRows: number;
  /**
   * Rows per window (≥ 1), or 0 to never forget. The quantile is computed over the current and the
   * previous window, so it follows a drifting stream with a memory of 1 to 2 windows.
   */
  windowRows: number;
  /** Relative accuracy of the quantile sketch, in (0, 1); 0.01 means within 1 % of the exact score. */
  relativeAccuracy: number;
  /** Threshold during warm-up (e.g. the model's saved one); null flags nothing during warm-up. */
  warmupThreshold: number | null;
}

/**
 * A threshold that follows the stream: the `quantile` of the recent scores, kept in DDSketch quantile
 * sketches (Datadog's `@datadog/sketches-js`, relative-error guarantees, memory bounded by collapsing the
 * lowest bins: only the upper quantiles matter here). Each batch is flagged with the threshold computed
 * before its own scores are added, so a burst of anomalies cannot raise the bar that judges it, and the
 * same input gives the same flags. Memory stays constant however long it runs.
 */
export class AdaptiveThreshold {
  private current: LogCollapsingLowestDenseDDSketch;
  private previous: LogCollapsingLowestDenseDDSketch | undefined;
  private seen = 0;
  private cached: number | null = null;

  constructor(readonly options: AdaptiveThresholdOptions) {
    if (!(options.quantile > 0 && options.quantile < 1)) throw new RangeError(`adaptive threshold: quantile must be in (0, 1), received ${options.quantile}`);
    this.current = this.sketch();
  }

  /** The threshold that applies to the next batch. */
  threshold(): number | null {
    if (this.seen < this.options.warmupRows) return this.options.warmupThreshold;
    if (this.cached === null) {
      const merged = this.sketch();
      if (this.previous !== undefined) merged.merge(this.previous);
      merged.merge(this.current);
      this.cached = merged.getValueAtQuantile(this.options.quantile);
    }
    return this.cached;
  }

  /** True when the warm-up is over and the streaming quantile is in use. */
  isWarm(): boolean {
    return this.seen >= this.options.warmupRows;
  }

  /** Flags `scores` with the current threshold, then learns from them. Non-finite scores are not learnt. */
  flagAndLearn(scores: ArrayLike<number>): boolean[] {
    const t = this.threshold();
    const flags = new Array<boolean>(scores.length);
    for (let i = 0; i < scores.length; i++) flags[i] = t !== null && scores[i] > t;
    this.learn(scores);
    return flags;
  }

  /** Adds scores to the sketch (rotating windows as they fill). */
  learn(scores: ArrayLike<number>): void {
    const { windowRows } = this.options;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      if (!Number.isFinite(s)) continue;
      // DDSketch maps values to log-spaced bins; a score is a squared error, so never negative.
      this.current.accept(Math.max(0, s));
      this.seen++;
      if (windowRows > 0 && this.current.count >= windowRows) {
        this.previous = this.current;
        this.current = this.sketch();
      }
    }
    this.cached = null;
  }

  /** Rows learnt so far. */
  rows(): number {
    return this.seen;
  }

  private sketch(): LogCollapsingLowestDenseDDSketch {
    return new LogCollapsingLowestDenseDDSketch({ relativeAccuracy: this.options.relativeAccuracy, binLimit: 2048 });
  }
}

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
};

const params = z.strictObject({
  ...adaptiveThresholdParams,
  model: modelRefParam.optional().describe('Model whose saved threshold applies during warm-up (fit stage id or model directory); without it nothing is flagged during warm-up'),
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
    const ref = p.model !== undefined ? modelRef(p.model, ctx) : undefined;
    let state: AdaptiveThreshold | undefined;
    let rows = 0;
    let anomalies = 0;
    return {
      kind: 'transform',
      async *transform(input) {
        let batchIndex = 0;
        for await (const batch of input) {
          if (state === undefined) {
            const warmupThreshold = ref ? ((await ref.get()).threshold?.threshold ?? null) : null;
            state = new AdaptiveThreshold({ ...p, warmupThreshold });
          }
          const flags = state.flagAndLearn(scoresOf(batch, batchIndex++, p.scoreColumn, 'adaptive-threshold'));
          rows += flags.length;
          for (const f of flags) if (f) anomalies++;
          yield withColumns(batch, [boolColumn(`${p.outputPrefix}${p.column}`, flags)], { stage: 'adaptive-threshold', option: 'outputPrefix' });
        }
      },
      async close() {},
      stats: () => ({ rows, anomalies, threshold: state?.threshold() ?? null, method: 'adaptive', isWarm: state?.isWarm() ?? false }),
    };
  },
});
