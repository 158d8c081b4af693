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
   * Log count axis, for heavy-tailed scores where the few high ones would otherwise be invisible bars.
   * Default false.
   */
  logY?: boolean;
  /** Plot area width in pixels (before the PNG scale). Default 480. */
  widthPx?: number;
  /** Plot area height in pixels (before the PNG scale). Default 240. */
  heightPx?: number;
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
  const x = { field: 'start', type: 'quantitative', bin: 'binned', title: 'score', scale: { zero: false, nice: false } } as const;
  const y = {
    field: 'count',
    type: 'quantitative',
    stack: null,
    title: options.logY ? 'rows (log scale)' : 'rows',
    // Bars rise from the bottom of the axis; starting it below 1 keeps a one-row bin visible on a log axis.
    scale: options.logY ? ({ type: 'log', domainMin: 0.6 } as const) : {},
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
