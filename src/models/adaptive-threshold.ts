import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';

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
