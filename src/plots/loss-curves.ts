import type { TopLevelSpec } from './render.js';
import { chartText } from './chart-text.js';

type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];
type XEncoding = NonNullable<NonNullable<Extract<Layer, { mark: unknown }>['encoding']>['x']>;

/**
 * Training and validation loss per epoch of an autoencoder fit (`Detector.training.history`), with the
 * epoch whose weights the model kept marked. Pure: builds a Vega-Lite spec, no I/O.
 */

/** Losses per epoch: index i is epoch i + 1. */
export interface LossHistory {
  /** Training loss per epoch. */
  loss: readonly number[];
  /** Validation loss per epoch; absent or empty without a validation split. */
  valLoss?: readonly number[];
  /** 1-based epoch whose weights the model holds (the best one with early stopping); absent: no marker. */
  bestEpoch?: number;
}

/** Title, size and scale of {@link lossCurvesSpec}. */
export interface LossCurvesOptions {
  /** Chart title. Default none. */
  title?: string;
  /** Plot area width in pixels (before the PNG scale). Default 480. */
  widthPx?: number;
  /** Plot area height in pixels (before the PNG scale). Default 280. */
  heightPx?: number;
  /** Log loss axis, for losses that fall by orders of magnitude. Losses must then be > 0. Default false. */
  logY?: boolean;
}

/** Line colors: training blue, validation orange (Vega's first two category colors). */
export const LOSS_COLORS = { training: '#4c78a8', validation: '#f58518' } as const;

/**
 * The loss-curve spec: one line per series (training, and validation when `valLoss` is non-empty) over
 * epochs 1..n, and with `bestEpoch` a dashed grey rule at that epoch labelled `best epoch N`. Non-finite
 * losses are left out of their line.
 */
export function lossCurvesSpec(history: LossHistory, options: LossCurvesOptions = {}): TopLevelSpec {
  const series: { name: keyof typeof LOSS_COLORS; losses: readonly number[] }[] = [{ name: 'training', losses: history.loss }];
  if (history.valLoss && history.valLoss.length > 0) series.push({ name: 'validation', losses: history.valLoss });
  const values = series.flatMap((s) =>
    s.losses.flatMap((loss, i) => (Number.isFinite(loss) && (!options.logY || loss > 0) ? [{ epoch: i + 1, loss, series: s.name }] : [])),
  );
  const epochs = Math.max(1, ...series.map((s) => s.losses.length));
  const x = {
    field: 'epoch',
    type: 'quantitative',
    title: 'epoch',
    scale: { domain: [1, Math.max(2, epochs)], nice: false },
    axis: { tickMinStep: 1, format: 'd' },
  } satisfies XEncoding;
  const layer: Layer[] = [
    {
      data: { values },
      mark: { type: 'line', strokeWidth: 2, interpolate: 'linear' },
      encoding: {
        x,
        y: { field: 'loss', type: 'quantitative', title: options.logY ? 'loss (log scale)' : 'loss', scale: options.logY ? { type: 'log' } : { zero: false } },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: { domain: series.map((s) => s.name), range: series.map((s) => LOSS_COLORS[s.name]) },
        },
      },
    },
  ];
  const best = history.bestEpoch;
  if (best !== undefined && Number.isInteger(best) && best >= 1) {
    const marker = { data: { values: [{ epoch: best, label: `best epoch ${best}` }] } };
    // In the right half the label goes left of the rule, or it would run past the plot into the legend.
    const isLate = best > epochs / 2;
    layer.push(
      { ...marker, mark: { type: 'rule', color: '#666666', strokeDash: [4, 3] }, encoding: { x: { field: 'epoch', type: 'quantitative' } } },
      {
        ...marker,
        mark: { type: 'text', color: '#444444', align: isLate ? 'right' : 'left', baseline: 'top', dx: isLate ? -4 : 4, dy: 2, y: 0 },
        encoding: { x: { field: 'epoch', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
      },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: chartText(options.title) } : {}),
    width: options.widthPx ?? 480,
    height: options.heightPx ?? 280,
    layer,
  };
}
