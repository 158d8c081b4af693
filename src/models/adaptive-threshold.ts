import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';
import { type AdaptiveThresholdOptions, BURST_SHARE } from './adaptive-threshold-options.js';

export type { AdaptiveThresholdOptions } from './adaptive-threshold-options.js';

/** One window: the scores of unflagged rows, and those of flagged rows kept apart. */
interface Window {
  sketch: LogCollapsingLowestDenseDDSketch;
  flagged: LogCollapsingLowestDenseDDSketch;
}

/**
 * A threshold that follows the stream: the `quantile` of the recent scores, kept in DDSketch quantile
 * sketches (Datadog's `@datadog/sketches-js`, relative-error guarantees, memory bounded by collapsing the
 * lowest bins: only the upper quantiles matter here). Each batch is flagged with the threshold computed
 * before its own scores are added, so a burst of anomalies cannot raise the bar that judges it, and the
 * same input gives the same flags.
 *
 * Flagged rows are kept apart. While they are no more than BURST_SHARE × (1 − q) of the windows, the
 * quantile is over all rows. Above that (an incident, unless `learnFlagged`) their scores are left out and
 * the quantile over all rows is read from the others at rank q·n / n_unflagged, since every flagged row
 * lies above them; when the flagged rows alone exceed the share 1 − q the quantile lies among them,
 * unknown, and the bar stays where it was. (Dropping flagged rows without counting them would sink the bar
 * window by window: the q-quantile of the rows below a bar lies below the bar.) Memory stays constant
 * however long it runs.
 */
export class AdaptiveThreshold {
  private current: Window;
  private previous: Window | undefined;
  private seen = 0;
  private bar: number | null;
  private isFresh = false;

  constructor(readonly options: AdaptiveThresholdOptions) {
    if (!(options.quantile > 0 && options.quantile < 1)) throw new RangeError(`adaptive threshold: quantile must be in (0, 1), received ${options.quantile}`);
    this.current = this.window();
    this.bar = options.warmupThreshold;
  }

  /** The threshold that applies to the next batch. */
  threshold(): number | null {
    if (this.seen < this.options.warmupRows) return this.options.warmupThreshold;
    if (!this.isFresh) {
      this.bar = this.quantile() ?? this.bar;
      this.isFresh = true;
    }
    return this.bar;
  }

  /** True when the warm-up is over and the streaming quantile is in use. */
  isWarm(): boolean {
    return this.seen >= this.options.warmupRows;
  }

  /** Flags `scores` with the current threshold, then learns them (flagged ones apart, see the class). */
  flagAndLearn(scores: ArrayLike<number>): boolean[] {
    const t = this.threshold();
    const flags = new Array<boolean>(scores.length);
    for (let i = 0; i < scores.length; i++) {
      flags[i] = t !== null && scores[i] > t;
      this.learnOne(scores[i], flags[i] && !this.options.learnFlagged);
    }
    return flags;
  }

  /** Adds scores as unflagged rows (rotating windows as they fill). Non-finite scores are not learnt. */
  learn(scores: ArrayLike<number>): void {
    for (let i = 0; i < scores.length; i++) this.learnOne(scores[i], false);
  }

  /** Rows learnt so far, flagged or not. */
  rows(): number {
    return this.seen;
  }

  /** True when the flagged rows in the windows are an incident, so their scores do not move the bar. */
  isHoldingOutFlagged(): boolean {
    const { unflagged, flagged } = this.counts();
    return flagged > BURST_SHARE * (1 - this.options.quantile) * (unflagged + flagged);
  }

  /** The q-quantile over the windows' rows, or null when it lies among held-out flagged rows. */
  private quantile(): number | null {
    const windows = this.windows();
    const merged = this.window().sketch;
    for (const w of windows) merged.merge(w.sketch);
    if (!this.isHoldingOutFlagged()) {
      for (const w of windows) merged.merge(w.flagged);
      return merged.count === 0 ? null : merged.getValueAtQuantile(this.options.quantile);
    }
    const { unflagged, flagged } = this.counts();
    const rank = this.options.quantile * (unflagged + flagged);
    if (unflagged === 0 || rank > unflagged) return null;
    return merged.getValueAtQuantile(rank / unflagged);
  }

  /** Rows in the windows, unflagged and flagged. */
  private counts(): { unflagged: number; flagged: number } {
    let unflagged = 0;
    let flagged = 0;
    for (const w of this.windows()) {
      unflagged += w.sketch.count;
      flagged += w.flagged.count;
    }
    return { unflagged, flagged };
  }

  private windows(): Window[] {
    return this.previous ? [this.previous, this.current] : [this.current];
  }

  private learnOne(s: number, isFlagged: boolean): void {
    if (!Number.isFinite(s)) return;
    // DDSketch maps values to log-spaced bins; a score is a squared error, so never negative.
    (isFlagged ? this.current.flagged : this.current.sketch).accept(Math.max(0, s));
    this.seen++;
    this.isFresh = false;
    const { windowRows } = this.options;
    if (windowRows > 0 && this.current.sketch.count + this.current.flagged.count >= windowRows) {
      this.previous = this.current;
      this.current = this.window();
    }
  }

  private window(): Window {
    const sketch = () => new LogCollapsingLowestDenseDDSketch({ relativeAccuracy: this.options.relativeAccuracy, binLimit: 2048 });
    return { sketch: sketch(), flagged: sketch() };
  }
}
