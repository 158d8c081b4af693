import { DDSketch } from '@datadog/sketches-js';

/** p50 / p99 / max of a distribution (ms), null when empty. */
export interface Quantiles {
  p50: number | null;
  p99: number | null;
  max: number | null;
  count: number;
}

/**
 * A latency distribution over a whole run: a DDSketch quantile sketch (1 % relative accuracy, bounded
 * memory whatever the run's length), so a stream of any length reports true p50/p99 without keeping samples.
 */
export class LatencySketch {
  private readonly sketch = new DDSketch();

  /** Adds one latency (ms); negative ones (another host's clock ahead of ours) say nothing here and are skipped. */
  accept(ms: number): void {
    if (ms >= 0) this.sketch.accept(ms);
  }

  quantiles(): Quantiles {
    const s = this.sketch;
    if (s.count === 0) return { p50: null, p99: null, max: null, count: 0 };
    return { p50: round(s.getValueAtQuantile(0.5)), p99: round(s.getValueAtQuantile(0.99)), max: round(s.max), count: s.count };
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
