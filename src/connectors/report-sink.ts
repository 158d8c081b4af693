import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { DataError } from '../errors.js';
import { writeAtomically } from '../io/atomic-file.js';
import { resolveFilePath } from '../io/output-target.js';
import { isNumericField } from '../io/features.js';
import type { Detector } from '../models/detector.js';
import { deriveSeed } from '../models/random.js';
import { defineStage, type Sink, type SinkSummary, type StageContext } from '../contract/stage.js';
import { buildReportHtml } from '../report/build-report.js';
import { LOG_COUNT_RATIO } from '../plots/score-histogram.js';
import { flagsOf, ReportCollector } from '../report/report-data.js';
import { readFeatures } from '../stages/shared/feature-input.js';
import { modelRef } from '../stages/shared/model-ref.js';
import { modelRefParam } from '../stages/shared/params.js';
import { checkWritable, fileSink, type Lifecycle } from './closable.js';

const TYPE = 'report-sink';

const params = z.strictObject({
  path: z
    .string()
    .min(1)
    .regex(/\.html?$/i, 'the report is an HTML file: end the path in .html')
    .describe('HTML file to write (atomically); a relative path resolves against the pipeline file folder'),
  model: modelRefParam.describe('The model that scored the rows (fit stage id or model directory): summary, loss curves, contributions'),
  scoreColumn: z.string().default('score').describe('Column holding the scores; when absent the sink scores the rows with `model` itself'),
  flagColumn: z
    .string()
    .default('is_anomaly')
    .describe('Bool (or 0/1) anomaly flag column; when absent rows are flagged by the threshold (the `threshold` param, else the model\'s)'),
  topAnomalies: z.number().int().min(0).max(10_000).default(20).describe('Rows in the top-anomalies table (rows, highest scores)'),
  topFeatures: z.number().int().min(1).default(3).describe('Most-contributing features listed per anomaly'),
  idColumn: z.string().min(1).optional().describe('Column identifying a row in the anomaly table (default `id` when the rows have one)'),
  columns: z.array(z.string().min(1)).default([]).describe('Further columns shown in the anomaly table, e.g. [timestamp, label]'),
  x: z.string().min(1).default('x').describe('Map x column (e.g. from umap); without x and y the map section says how to add one'),
  y: z.string().min(1).default('y').describe('Map y column'),
  color: z.string().min(1).default('is_anomaly').describe('Column colouring the map points (a flag, a label or a number)'),
  maxPoints: z.number().int().positive().default(5000).describe('Most map points drawn (points; a seeded uniform sample beyond that)'),
  maxRows: z
    .number()
    .int()
    .positive()
    .default(1_000_000)
    .describe('Most scores held for the histogram (rows, 4 bytes each; later rows are counted and ranked, not binned)'),
  threshold: z.number().optional().describe('Threshold drawn on the histogram and used to flag rows without a flag column (default the model\'s)'),
  bins: z.number().int().min(1).max(500).default(40).describe('Histogram bins'),
  logY: z
    .boolean()
    .optional()
    .describe(`Log count axis of the histogram; default log when a non-empty bin holds under 1/${LOG_COUNT_RATIO} of the tallest (the tail would not show), false forces linear`),
  title: z.string().min(1).default('latentflow anomaly report').describe('Page title'),
});

type Params = z.output<typeof params>;

/**
 * Ends a pipeline in one self-contained HTML report (inline CSS and SVG charts, no script, no network):
 * model summary, loss curves, score histogram with the threshold, the top anomalies with the features that
 * carry their reconstruction error, and the 2-D map when the rows have x/y columns (e.g. encode → umap).
 * Memory is bounded whatever the row count: scores up to `maxRows`, the top `topAnomalies` rows, a
 * `maxPoints` sample of map points. Written atomically once the input ends.
 */
export const reportSink = defineStage({
  type: TYPE,
  kind: 'sink',
  description: 'Writes a self-contained HTML report: model summary, loss curves, score histogram, top anomalies with contributing features, 2-D map',
  params,
  create(p, ctx): Sink {
    return fileSink(TYPE, p.path, ctx, (input, life) => writeReport(p, ctx, input, life));
  },
});

async function writeReport(p: Params, ctx: StageContext, input: AsyncIterable<RecordBatch>, life: Lifecycle): Promise<SinkSummary> {
  const target = resolveFilePath(ctx.baseDir, p.path);
  const ref = modelRef(p.model, ctx);
  let collector: ReportCollector | undefined;
  let idColumn = p.idColumn;
  let detector: Detector | undefined;
  let rows = 0;
  let batches = 0;
  let dropped = 0;
  const newCollector = (d: Detector, batch?: RecordBatch) => {
    idColumn ??= batch?.schema.fields.some((f) => f.name === 'id') ? 'id' : undefined;
    return new ReportCollector({
      features: d.features,
      topN: p.topAnomalies,
      maxScores: p.maxRows,
      maxPoints: p.maxPoints,
      seed: deriveSeed(ctx.seed, `${ctx.stageId}:report-map`),
      idColumn,
      extraColumns: p.columns,
      x: p.x,
      y: p.y,
      color: p.color,
      ...(d.encoding !== null ? { encodeRows: (b: RecordBatch, i: number) => encodedRows(d, b, i) } : {}),
    });
  };
  for await (const batch of input) {
    checkWritable(ctx.signal, life.isClosed, TYPE, target);
    detector ??= await ref.get();
    collector ??= newCollector(detector, batch);
    const { scores, keptRows } = scoresOf(batch, batches, p, detector, ctx);
    if (keptRows) dropped += batch.numRows - keptRows.length;
    const threshold = p.threshold ?? detector.threshold?.threshold;
    const column = flagsOf(batch, p.flagColumn);
    const flags = column ? (keptRows ? keptRows.map((r) => column[r]) : column) : threshold !== undefined ? Array.from(scores, (s) => s > threshold) : null;
    collector.add(batch, batches, scores, flags, keptRows ?? undefined);
    rows += batch.numRows;
    batches++;
  }
  detector ??= await ref.get();
  collector ??= newCollector(detector);
  if (dropped > 0) ctx.logger.warn({ dropped }, `${TYPE}: ${dropped} rows with missing feature values could not be scored and are left out`);
  const data = collector.result();
  const html = await buildReportHtml(detector, data, {
    title: p.title,
    topFeatures: p.topFeatures,
    idColumn,
    extraColumns: p.columns,
    x: p.x,
    y: p.y,
    color: p.color,
    threshold: p.threshold,
    bins: p.bins,
    logY: p.logY,
    modelOrigin: ref.origin,
  });
  await writeAtomically(target, TYPE, (file) => file.write(html), life.closers);
  ctx.logger.info({ file: target, rows: data.rows, top: data.top.length, mapPoints: data.points.length }, `${TYPE}: wrote the report on ${data.rows} rows to ${target}`);
  return { rows, batches, target };
}

/** The batch's scores: its score column, or (without one) the model's scores of its feature columns. */
function scoresOf(batch: RecordBatch, batchIndex: number, p: Params, detector: Detector, ctx: StageContext): { scores: ArrayLike<number>; keptRows: number[] | null } {
  const column = batch.getChild(p.scoreColumn);
  if (column) {
    if (!isNumericField(batch.schema.fields.find((f) => f.name === p.scoreColumn)!)) {
      throw new DataError(`${TYPE}: the score column is not numeric; set scoreColumn to the column a \`score\` stage wrote`, {
        batch: batchIndex,
        column: p.scoreColumn,
        expected: 'numeric column',
        received: String(column.type),
      });
    }
    const scores = new Float64Array(batch.numRows);
    for (let r = 0; r < scores.length; r++) {
      const v = column.get(r) as unknown;
      scores[r] = v === null || v === undefined ? Number.NaN : Number(v);
    }
    return { scores, keptRows: null };
  }
  if (batchIndex === 0) ctx.logger.info({ scoreColumn: p.scoreColumn }, `${TYPE}: no "${p.scoreColumn}" column, scoring the rows with the model`);
  const ex = readFeatures(batch, batchIndex, detector, detector.missing.policy, detector.missing.imputeValues ?? undefined);
  return { scores: detector.score(ex.matrix), keptRows: ex.keptRows };
}

/** The encoded model row of each row of `batch` (rows with a missing value that cannot be encoded: null). */
function encodedRows(detector: Detector, batch: RecordBatch, batchIndex: number): (row: number) => Float32Array | null {
  const ex = readFeatures(batch, batchIndex, detector, 'drop');
  const width = ex.matrix.cols;
  const at = ex.keptRows ? new Map(ex.keptRows.map((r, k) => [r, k])) : null;
  return (row) => {
    const k = at ? at.get(row) : row;
    return k === undefined ? null : ex.matrix.data.slice(k * width, (k + 1) * width);
  };
}
