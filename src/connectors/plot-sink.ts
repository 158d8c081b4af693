import { DataType, type RecordBatch, type Schema, type Vector } from 'apache-arrow';
import { z } from 'zod';
import { ConnectorError, DataError, ModelStateError } from '../errors.js';
import { writeAllAtomically } from '../io/atomic-file.js';
import { resolveFilePath } from '../io/output-target.js';
import { isNumericField, numericColumnReader } from '../io/features.js';
import { deriveSeed, seededRandom } from '../models/random.js';
import { defineStage, type Sink, type SinkSummary, type StageContext } from '../contract/stage.js';
import { lossCurvesSpec } from '../plots/loss-curves.js';
import { plotFormatOf, renderVegaLite, type TopLevelSpec } from '../plots/render.js';
import { inferColorType, scatterSpec, type ScatterPoint } from '../plots/scatter.js';
import { LOG_COUNT_RATIO, scoreHistogramSpec } from '../plots/score-histogram.js';
import { modelRef } from '../stages/shared/model-ref.js';
import { modelRefParam } from '../stages/shared/params.js';
import { checkWritable, fileSink, type Lifecycle } from './closable.js';

const TYPE = 'plot-sink';

const chartName = z.enum(['scatter', 'score-histogram', 'loss-curves']);
type ChartName = z.output<typeof chartName>;

/** Params that only some charts read; a sink drawing none of them refuses them, so a misplaced key is caught early. */
const ONLY_FOR: Record<string, readonly ChartName[]> = {
  color: ['scatter'],
  colorType: ['scatter'],
  threshold: ['score-histogram'],
  model: ['score-histogram', 'loss-curves'],
};

/** Stands for the chart name in `path`, so that a list of charts writes one file each. */
const CHART_PLACEHOLDER = '{chart}';

const params = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .describe(
        `Chart file to write (atomically): .png (resvg, 2x scale) or .svg; relative to the pipeline file folder; ${CHART_PLACEHOLDER} is replaced by the chart name, which a list of charts needs (e.g. ../out/${CHART_PLACEHOLDER}.png)`,
      ),
    chart: z
      .union([chartName, z.array(chartName).min(1, `expected a list of one or more of ${chartName.options.join(', ')}, received []`)], {
        error: (issue) => badChart(issue.input),
      })
      .describe(
        'scatter: x against y, colored by a column; score-histogram: scores with the threshold; loss-curves: training/validation loss of `model`; a list draws each from the same rows in one run, one file per chart',
      ),
    title: z.string().optional().describe('Chart title (default none)'),
    widthPx: z.number().int().positive().optional().describe('Plot width in pixels before the PNG scale (default 480)'),
    heightPx: z.number().int().positive().optional().describe('Plot height in pixels before the PNG scale (default 360 scatter, 240 score-histogram, 280 loss-curves)'),
    x: z.string().min(1).default('x').describe('scatter: numeric column on the x axis'),
    y: z.string().min(1).default('y').describe('scatter: numeric column on the y axis'),
    color: z.string().min(1).optional().describe('scatter: column the points are colored by (is_anomaly, a label, score); default none'),
    colorType: z
      .enum(['nominal', 'quantitative'])
      .optional()
      .describe('scatter: color scale; default nominal for bool/string/dictionary columns and for numbers that are all integers with <= 10 distinct values (0/1 flags, class ids), else quantitative'),
    maxPoints: z
      .number()
      .int()
      .positive()
      .default(100_000)
      .describe('scatter: most points drawn (rows); more is an error unless `sample` (100k points: ~15 MB SVG, ~10 s, ~0.5 GB)'),
    sample: z.boolean().default(false).describe('scatter: with more than maxPoints rows, draw a seeded uniform sample of maxPoints rows (reservoir) instead of failing'),
    score: z.string().min(1).default('score').describe('score-histogram: numeric score column'),
    threshold: z
      .number()
      .optional()
      .describe('score-histogram: threshold drawn as a rule (default: the one saved with `model`, else none; with loss-curves also drawn, `model` is theirs and this sets the rule)'),
    model: modelRefParam
      .optional()
      .describe('Fit stage id or model directory: its saved threshold (score-histogram) or its training history (loss-curves, required)'),
    bins: z.number().int().min(1).max(1000).default(40).describe('score-histogram: number of equal-width bins'),
    maxScores: z.number().int().positive().default(10_000_000).describe('score-histogram: most scores held (rows, 8 bytes each); more is an error suggesting a slice'),
    logY: z
      .boolean()
      .optional()
      .describe(
        `score-histogram: log count axis; default log when a non-empty bin holds under 1/${LOG_COUNT_RATIO} of the tallest (the tail would not show), false forces linear; loss-curves: log loss axis, default false`,
      ),
  })
  .superRefine((p, ctx) => {
    const charts = chartsOf(p);
    const drawn = charts.join(', ');
    if (!/\.(png|svg)$/i.test(p.path)) ctx.addIssue({ code: 'custom', path: ['path'], message: `expected a file ending in .png or .svg, received "${p.path}"` });
    if (charts.length > 1 && !p.path.includes(CHART_PLACEHOLDER)) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `${charts.length} charts need one file each: put ${CHART_PLACEHOLDER} in the path (e.g. out/${CHART_PLACEHOLDER}.png), received "${p.path}"` });
    }
    if (new Set(charts).size < charts.length) ctx.addIssue({ code: 'custom', path: ['chart'], message: `each chart at most once, received [${drawn}]` });
    for (const [key, users] of Object.entries(ONLY_FOR)) {
      if (p[key as keyof typeof p] !== undefined && !charts.some((c) => users.includes(c))) {
        ctx.addIssue({ code: 'custom', path: [key], message: `only used by chart: ${users.join(' or ')}, not ${drawn}; remove it` });
      }
    }
    if (p.sample && !charts.includes('scatter')) ctx.addIssue({ code: 'custom', path: ['sample'], message: `only used by chart: scatter, not ${drawn}; remove it` });
    if (p.colorType !== undefined && p.color === undefined) ctx.addIssue({ code: 'custom', path: ['colorType'], message: 'needs `color` (the column to color by)' });
    if (charts.includes('loss-curves') && p.model === undefined) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'chart: loss-curves needs `model`, the fit stage id or model directory whose training history is drawn' });
    }
    // With loss-curves in the list `model` is needed for them, so `threshold` may then override its saved one.
    if (p.threshold !== undefined && p.model !== undefined && !charts.includes('loss-curves')) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'set either `threshold` or `model` (use its saved threshold), not both' });
    }
  });

/** The message for a `chart` that is neither a chart name nor a non-empty list of them, naming the bad entry. */
function badChart(input: unknown): string {
  const names = chartName.options.map((n) => `"${n}"`).join(', ');
  if (Array.isArray(input)) {
    const bad = input.find((c) => !(chartName.options as readonly unknown[]).includes(c));
    return `expected each entry to be one of ${names}, received ${JSON.stringify(bad)}`;
  }
  return `expected one of ${names}, or a list of them, received ${JSON.stringify(input)}`;
}

function chartsOf(p: { chart: ChartName | ChartName[] }): ChartName[] {
  return Array.isArray(p.chart) ? p.chart : [p.chart];
}

type PlotParams = z.output<typeof params>;

/**
 * Draws charts of the rows it receives and writes each as PNG or SVG, atomically (nothing is left behind
 * on failure or `close()`). `chart` names one chart, or a list drawn from the same rows in one pass, each to
 * `path` with {@link CHART_PLACEHOLDER} replaced by its name; the files are all written before any is
 * renamed into place, so a failed run changes none of them.
 * - `scatter`: `x` against `y`, colored by `color` (flags and labels naming anomalies: normal rows grey,
 *   anomalies red and on top; other labels by category, scores on viridis). Holds at most `maxPoints`
 *   points; more rows is a ConnectorError unless `sample: true`, which keeps a seeded uniform reservoir
 *   sample (the same seed and input draw the same points; the subtitle says how many of how many). Rows with
 *   a null/NaN x or y are not drawn (logged).
 * - `score-histogram`: the `score` column binned in JS, with `threshold` (or the one saved with `model`) as a
 *   red rule, on a log count axis when the tail would not show otherwise (`logY`). Holds the scores
 *   (bounded by `maxScores`), since the bin range is known only at the end.
 * - `loss-curves`: the per-epoch losses saved with `model` (autoencoders only); the input rows are consumed
 *   and counted, not used.
 * The whole input is consumed before `model` is awaited, so a fit stage upstream can publish it.
 */
export const plotSink = defineStage({
  type: TYPE,
  kind: 'sink',
  description: 'Writes charts (PNG or SVG): a 2-D scatter colored by a column, a score histogram with the threshold, loss curves; one or several per run',
  params,
  create(p, ctx): Sink {
    return fileSink(TYPE, p.path, ctx, (input, life) => writePlots(p, ctx, input, life));
  },
});

async function writePlots(p: PlotParams, ctx: StageContext, input: AsyncIterable<RecordBatch>, life: Lifecycle): Promise<SinkSummary> {
  const charts = chartsOf(p).map((chart) => {
    const target = resolveFilePath(ctx.baseDir, p.path.replaceAll(CHART_PLACEHOLDER, chart));
    const collector = chart === 'scatter' ? scatterCollector(p, ctx, target) : chart === 'score-histogram' ? scoreCollector(p, target) : undefined;
    return { chart, target, collector };
  });
  const ref = p.model !== undefined ? modelRef(p.model, ctx) : undefined;
  let rows = 0;
  let batches = 0;
  for await (const batch of input) {
    checkWritable(ctx.signal, life.isClosed, TYPE, charts[0].target);
    for (const c of charts) c.collector?.add(batch, batches);
    batches++;
    rows += batch.numRows;
  }

  // Every chart is drawn before any file is written: a chart that fails leaves all files as they were.
  const files: { path: string; data: Uint8Array | string }[] = [];
  for (const c of charts) {
    let spec: TopLevelSpec;
    if (c.chart === 'loss-curves') {
      const detector = await ref!.get();
      const history = detector.training.history;
      if (!history || history.loss.length === 0) {
        throw new ModelStateError(`${TYPE}: model "${p.model}" (${detector.kind}) has no training history; loss curves need an autoencoder fit, which records the loss per epoch`);
      }
      spec = lossCurvesSpec(history, { title: p.title, widthPx: p.widthPx, heightPx: p.heightPx, logY: p.logY });
    } else {
      spec = await c.collector!.spec(ref);
    }
    files.push({ path: c.target, data: await renderVegaLite(spec, plotFormatOf(c.target)) });
  }
  await writeAllAtomically(files, TYPE, life.closers);
  for (const c of charts) ctx.logger.info({ file: c.target, chart: c.chart, rows }, `${TYPE}: wrote ${c.chart} of ${rows} rows to ${c.target}`);
  return { rows, batches, target: charts.map((c) => c.target).join(', ') };
}

interface Collector {
  add(batch: RecordBatch, batchIndex: number): void;
  spec(ref: ReturnType<typeof modelRef> | undefined): Promise<TopLevelSpec>;
}

function scatterCollector(p: PlotParams, ctx: StageContext, target: string): Collector {
  let xs = new Float64Array(1024);
  let ys = new Float64Array(1024);
  const colors: ScatterPoint['color'][] = [];
  let held = 0;
  let seen = 0;
  let unplaced = 0;
  let isNominalType = false;
  const random = seededRandom(deriveSeed(ctx.seed, TYPE));
  const grow = (needed: number) => {
    if (needed <= xs.length) return;
    const size = Math.min(p.maxPoints, Math.max(needed, 2 * xs.length));
    const [nx, ny] = [new Float64Array(size), new Float64Array(size)];
    nx.set(xs.subarray(0, held));
    ny.set(ys.subarray(0, held));
    [xs, ys] = [nx, ny];
  };
  return {
    add(batch, batchIndex) {
      const x = numericColumn(batch, batchIndex, p.x, 'x');
      const y = numericColumn(batch, batchIndex, p.y, 'y');
      const c = p.color !== undefined ? column(batch, batchIndex, p.color, 'color') : undefined;
      if (c && batchIndex === 0) isNominalType = DataType.isBool(c.type) || DataType.isUtf8(c.type) || DataType.isLargeUtf8(c.type) || DataType.isDictionary(c.type);
      for (let r = 0; r < batch.numRows; r++) {
        const xv = x(r) ?? Number.NaN;
        const yv = y(r) ?? Number.NaN;
        if (!Number.isFinite(xv) || !Number.isFinite(yv)) {
          unplaced++;
          continue;
        }
        let slot = held;
        if (seen >= p.maxPoints) {
          if (!p.sample) {
            throw new ConnectorError(
              `scatter of more than maxPoints=${p.maxPoints} rows; put a \`slice\` stage before this sink, set \`sample: true\` to draw a seeded sample of ${p.maxPoints} rows, or raise maxPoints`,
              { connector: TYPE, path: target },
            );
          }
          // Reservoir sampling (Algorithm R): after n rows each one is held with probability maxPoints / n.
          slot = Math.floor(random() * (seen + 1));
          seen++;
          if (slot >= p.maxPoints) continue;
        } else {
          seen++;
          held++;
          grow(held);
        }
        xs[slot] = xv;
        ys[slot] = yv;
        colors[slot] = c ? colorValue(c.get(r)) : undefined;
      }
    },
    async spec() {
      if (unplaced > 0) ctx.logger.warn({ rows: unplaced }, `${TYPE}: ${unplaced} rows with a null or non-finite ${p.x} or ${p.y} were not drawn`);
      const points: ScatterPoint[] = Array.from({ length: held }, (_, i) => ({ x: xs[i], y: ys[i], color: colors[i] }));
      const colorType = p.colorType ?? (isNominalType ? 'nominal' : inferColorType(colors));
      const spec = scatterSpec(points, { colorField: p.color, colorType, title: p.title, widthPx: p.widthPx, heightPx: p.heightPx, xTitle: p.x, yTitle: p.y });
      if (seen <= held) return spec;
      ctx.logger.info({ drawn: held, rows: seen }, `${TYPE}: drew a seeded sample of ${held} of ${seen} rows`);
      return { ...spec, title: { text: p.title ?? `${p.y} vs ${p.x}`, subtitle: `random sample of ${held} of ${seen} rows` } };
    },
  };
}

function scoreCollector(p: PlotParams, target: string): Collector {
  let scores = new Float64Array(1024);
  let held = 0;
  return {
    add(batch, batchIndex) {
      const s = numericColumn(batch, batchIndex, p.score, 'score');
      const needed = held + batch.numRows;
      if (needed > p.maxScores) {
        throw new ConnectorError(`more than maxScores=${p.maxScores} scores; put a \`slice\` stage before this sink or raise maxScores`, { connector: TYPE, path: target });
      }
      if (needed > scores.length) {
        const grown = new Float64Array(Math.min(p.maxScores, Math.max(needed, 2 * scores.length)));
        grown.set(scores.subarray(0, held));
        scores = grown;
      }
      // Nulls become NaN, which the binning skips.
      for (let r = 0; r < batch.numRows; r++) scores[held++] = s(r) ?? Number.NaN;
    },
    async spec(ref) {
      let threshold = p.threshold ?? null;
      if (threshold === null && ref) {
        const detector = await ref.get();
        if (!detector.threshold) throw new ModelStateError(`${TYPE}: model "${p.model}" has no saved threshold; fit it with a \`threshold\` rule, or set \`threshold\` here`);
        threshold = detector.threshold.threshold;
      }
      return scoreHistogramSpec(scores.subarray(0, held), { threshold, bins: p.bins, title: p.title, logY: p.logY, widthPx: p.widthPx, heightPx: p.heightPx });
    },
  };
}

/** The column `name` of the batch, or a DataError naming it and the columns present. */
function column(batch: RecordBatch, batchIndex: number, name: string, param: string): Vector {
  const vector = batch.getChild(name);
  if (!vector) {
    throw new DataError(`${TYPE}: no column "${name}" (param \`${param}\`); set \`${param}\` to one of the columns present`, {
      batch: batchIndex,
      column: name,
      expected: `a column "${name}"`,
      received: describeColumns(batch.schema),
    });
  }
  return vector;
}

/** Reader of the numeric column `name` (numeric text and decimals read as features read them). */
function numericColumn(batch: RecordBatch, batchIndex: number, name: string, param: string): (row: number) => number | null {
  const vector = column(batch, batchIndex, name, param);
  if (!isNumericField(batch.schema.fields.find((f) => f.name === name)!)) {
    throw new DataError(`${TYPE}: column "${name}" (param \`${param}\`) is not numeric; cast it or choose a numeric column`, {
      batch: batchIndex,
      column: name,
      expected: 'int or float column',
      received: String(vector.type),
    });
  }
  return numericColumnReader(batch, batchIndex, name);
}

function describeColumns(schema: Schema): string {
  return `columns ${schema.fields.map((f) => `${f.name}:${f.type}`).join(', ') || 'none'}`;
}

function colorValue(v: unknown): ScatterPoint['color'] {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return String(v);
}
