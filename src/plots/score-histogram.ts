import { binSeries } from './bins.js';
import type { TopLevelSpec } from './render.js';
import { chartText } from './chart-text.js';

type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/**
 * Histogram of anomaly scores with the threshold drawn as a vertical rule. Pure: the scores are binned here
 * (equal width, {@link binSeries}) and only the bins go into the spec, so its size does not grow with the
 * number of rows.
 */

/** Binning, threshold and layout of {@link scoreHistogramSpec}. */
export interface ScoreHistogramOptions {
  /** Score above which a row is an anomaly: drawn as a red rule with its value; `null`/absent: no rule. */
  threshold?: number | null;
  /** Number of equal-width bins between the lowest and highest finite score; integer >= 1. Default 40. */
  bins?: number;
  /** Chart title. Default none. */
  title?: string;
  /**
   * Log count axis, so that the few high scores of a heavy-tailed distribution are visible bars. Default:
   * {@link prefersLogCounts} of the bins; `false` forces a linear axis, `true` a log one.
   */
  logY?: boolean;
  /** Plot area width in pixels (before the PNG scale). Default 480. */
  widthPx?: number;
  /** Plot area height in pixels (before the PNG scale). Default 240. */
  heightPx?: number;
}

/**
 * How much smaller than the tallest bar a non-empty bin may be before a linear count axis hides it: at the
 * default 240 px plot height a bin holding 1/50 of the tallest is a 5 px bar, about the least that reads as
 * a bar; anomaly scores, where 99 % of rows share a bin or two, are far past this.
 */
export const LOG_COUNT_RATIO = 50;

/**
 * The default count scale, the one rule every score histogram uses (report and plot sink): log when some
 * non-empty bin holds less than 1/{@link LOG_COUNT_RATIO} of the tallest, so the tail stays visible; linear
 * otherwise, where heights compare directly.
 */
export function prefersLogCounts(counts: ArrayLike<number>): boolean {
  let max = 0;
  let minNonEmpty = Infinity;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c > max) max = c;
    if (c > 0 && c < minNonEmpty) minNonEmpty = c;
  }
  return max > 0 && max > LOG_COUNT_RATIO * minNonEmpty;
}

/**
 * The histogram spec: one bar per non-empty bin (empty bins are left out, which a log axis needs anyway),
 * and with a threshold a rule at its x position labelled with its value. The x axis spans the bin edges and
 * the threshold, without rounding ("nice") or forcing zero, so positions map linearly from that span.
 * Non-finite scores are not counted.
 */
export function scoreHistogramSpec(scores: ArrayLike<number>, options: ScoreHistogramOptions = {}): TopLevelSpec {
  const bins = options.bins ?? 40;
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`scoreHistogram: bins must be an integer >= 1, received ${bins}`);
  const [binned] = binSeries([{ label: 'score', values: scores }], bins);
  const values = binned.counts.flatMap((count, i) => (count > 0 ? [{ start: binned.edges[i], end: binned.edges[i + 1], count }] : []));
  const threshold = options.threshold ?? null;
  const isLogY = options.logY ?? prefersLogCounts(binned.counts);
  const x = { field: 'start', type: 'quantitative', bin: 'binned', title: 'score', scale: { zero: false, nice: false } } as const;
  const y = {
    field: 'count',
    type: 'quantitative',
    stack: null,
    title: isLogY ? 'rows (log scale)' : 'rows',
    // Bars rise from the bottom of the axis; starting it below 1 keeps a one-row bin visible on a log axis.
    scale: isLogY ? ({ type: 'log', domainMin: 0.6 } as const) : {},
  } as const;
  const layer: Layer[] = [
    {
      data: { values },
      mark: { type: 'bar', color: '#4c78a8', binSpacing: 0 },
      encoding: { x, x2: { field: 'end' }, y },
    },
  ];
  if (threshold !== null && Number.isFinite(threshold)) {
    const rule = { data: { values: [{ threshold, label: `threshold ${formatThreshold(threshold)}` }] } };
    const at = { field: 'threshold', type: 'quantitative', scale: { zero: false, nice: false } } as const;
    // The label sits right of the rule unless the rule is in the right quarter of the axis, where it would be clipped.
    const lo = Math.min(binned.edges[0], threshold);
    const hi = Math.max(binned.edges[bins], threshold);
    const isNearRight = (threshold - lo) / (hi - lo) > 0.75;
    layer.push(
      { ...rule, mark: { type: 'rule', color: '#d62728', strokeWidth: 2, strokeDash: [6, 3] }, encoding: { x: at } },
      {
        ...rule,
        mark: { type: 'text', color: '#d62728', align: isNearRight ? 'right' : 'left', baseline: 'top', dx: isNearRight ? -4 : 4, dy: 2, y: 0 },
        encoding: { x: at, text: { field: 'label', type: 'nominal' } },
      },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: chartText(options.title) } : {}),
    width: options.widthPx ?? 480,
    height: options.heightPx ?? 240,
    layer,
  };
}

/** Four significant digits without trailing zeros: 0.01234, 5.5, 1.235e+6. */
function formatThreshold(t: number): string {
  return String(Number(t.toPrecision(4)));
}
