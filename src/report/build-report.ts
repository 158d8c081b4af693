import { readFileSync } from 'node:fs';
import type { Detector } from '../models/detector.js';
import { lossCurvesSpec } from '../plots/loss-curves.js';
import { vegaLiteToSvg } from '../plots/render.js';
import { scatterSpec } from '../plots/scatter.js';
import { scoreHistogramSpec } from '../plots/score-histogram.js';
import { encodedContributions, featureContributions } from './contributions.js';
import { reportHtml, type AnomalyRow, type ReportChart, type ReportDocument } from './html.js';
import { formatNumber, modelHeadline, modelSummary, summaryRows } from './model-summary.js';
import type { ReportData } from './report-data.js';

/** How a report is titled and laid out. */
export interface ReportOptions {
  /** Page title. Default `latentflow anomaly report`. */
  title?: string;
  /** Features listed per anomaly (the largest shares of its error); integer >= 1. Default 3. */
  topFeatures?: number;
  /** Header of the id column in the anomaly table; none when absent. */
  idColumn?: string;
  /** Headers of the extra columns in the anomaly table, in `TopRow.extra` order. */
  extraColumns?: readonly string[];
  /** Names shown for the map axes and colour legend. */
  x?: string;
  y?: string;
  color?: string;
  /** Threshold drawn on the histogram; default the detector's saved one (none when it has none). */
  threshold?: number | null;
  /** Histogram bins; integer >= 1. Default 40. */
  bins?: number;
  /** Histogram count axis: log, linear, or (absent) the shared default rule of `prefersLogCounts`. */
  logY?: boolean;
  /** Where the model came from (its directory, or the fit stage of this run), named in the header. Default none. */
  modelOrigin?: string;
  /** Footer timestamp. Default now. */
  generatedAt?: Date;
}

/** Chart plot-area sizes (px): wide enough to read in a browser, small enough for a laptop screen. */
const CHART_WIDTH_PX = 640;
const CHART_HEIGHT_PX = 260;
const MAP_HEIGHT_PX = 440;

/**
 * The report HTML for `data` scored by `detector`: model summary, loss curves (autoencoders), score
 * histogram with the threshold, the top anomalies with their most-contributing features, and the 2-D map.
 * Charts are rendered to SVG here (Vega, no browser) and inlined, so the page needs no network.
 */
export async function buildReportHtml(detector: Detector, data: ReportData, options: ReportOptions = {}): Promise<string> {
  const summary = modelSummary(detector);
  const threshold = options.threshold !== undefined ? options.threshold : (detector.threshold?.threshold ?? null);
  const topFeatures = options.topFeatures ?? 3;

  const contributions = detector.encoding !== null ? encodedContributions(detector, data.top) : featureContributions(detector, data.top.map((r) => r.features));
  const rows: AnomalyRow[] = data.top.map((r, i) => ({
    rank: i + 1,
    rowNumber: r.rowNumber,
    id: r.id,
    score: r.score,
    isAnomaly: r.isAnomaly,
    extra: r.extra,
    contributions: contributions[i].features?.slice(0, topFeatures) ?? null,
  }));

  const [loss, histogram, map] = await Promise.all([lossChart(summary.history), histogramChart(data, threshold, options.bins, options.logY), mapChart(data, options)]);

  const doc: ReportDocument = {
    title: options.title ?? 'latentflow anomaly report',
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    version: packageVersion(),
    subject: { input: describeInputs(data), model: [modelHeadline(summary), options.modelOrigin].filter(Boolean).join(' · ') },
    overview: overviewRows(data, threshold),
    model: summaryRows(summary),
    charts: [loss, histogram, map],
    anomalies: {
      idColumn: options.idColumn ?? null,
      extraColumns: [...(options.extraColumns ?? [])],
      rows,
      note:
        rows.length === 0
          ? 'No rows were scored.'
          : `The ${rows.length} highest-scoring of ${data.rows.toLocaleString('en-US')} rows. Each feature shows its value → reconstruction (in the data's units) and its share of the row's squared reconstruction error (in scaled units).`,
    },
  };
  return reportHtml(doc);
}

/** The input in words: its file paths or Kafka topics, or that the batches named none. */
export function describeInputs(data: Pick<ReportData, 'inputs' | 'hasMoreInputs'>): string {
  if (data.inputs.length === 0) return 'in-memory batches (no file or topic)';
  return data.inputs.join(', ') + (data.hasMoreInputs ? ', and more' : '');
}

function overviewRows(data: ReportData, threshold: number | null): [string, string][] {
  const rows: [string, string][] = [['Rows scored', data.rows.toLocaleString('en-US')]];
  if (data.anomalies !== null) {
    const pct = data.rows > 0 ? ` (${((data.anomalies / data.rows) * 100).toFixed(2)} %)` : '';
    rows.push(['Rows flagged', `${data.anomalies.toLocaleString('en-US')}${pct}`]);
  }
  rows.push(['Threshold', threshold === null ? 'none' : formatNumber(threshold)]);
  if (data.scores.length > 0) {
    const sorted = Float32Array.from(data.scores).sort();
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    rows.push(['Score min / median / p99 / max', [sorted[0], q(0.5), q(0.99), sorted[sorted.length - 1]].map(formatNumber).join(' / ')]);
  }
  if (data.hasMap) rows.push(['Map points', `${data.points.length.toLocaleString('en-US')} of ${data.mapRows.toLocaleString('en-US')}`]);
  return rows;
}

async function lossChart(history: ReturnType<typeof modelSummary>['history']): Promise<ReportChart> {
  const chart = { id: 'loss-curves', title: 'Loss curves' };
  if (!history) return { ...chart, svg: null, note: 'No training history: the model is not an autoencoder or was saved without one.' };
  const svg = await vegaLiteToSvg(lossCurvesSpec(history, { widthPx: CHART_WIDTH_PX, heightPx: CHART_HEIGHT_PX }));
  const best = history.bestEpoch !== undefined ? ` The dashed rule marks epoch ${history.bestEpoch}, whose weights the model keeps.` : '';
  return { ...chart, svg, note: `Training${history.valLoss.length > 0 ? ' and validation' : ''} loss per epoch.${best}` };
}

async function histogramChart(data: ReportData, threshold: number | null, bins = 40, logY?: boolean): Promise<ReportChart> {
  const chart = { id: 'score-histogram', title: 'Score histogram' };
  if (data.scores.length === 0) return { ...chart, svg: null, note: 'No rows were scored.' };
  const svg = await vegaLiteToSvg(scoreHistogramSpec(data.scores, { threshold, bins, logY, widthPx: CHART_WIDTH_PX, heightPx: CHART_HEIGHT_PX }));
  const parts = [threshold !== null ? `The red rule is the threshold, ${formatNumber(threshold)}: rows scoring above it are anomalies.` : 'No threshold to show.'];
  if (data.isScoresTruncated) parts.push(`Scores of the first ${data.scores.length.toLocaleString('en-US')} of ${data.rows.toLocaleString('en-US')} rows (raise maxRows to see all).`);
  return { ...chart, svg, note: parts.join(' ') };
}

async function mapChart(data: ReportData, options: ReportOptions): Promise<ReportChart> {
  const chart = { id: 'map', title: '2-D map' };
  const x = options.x ?? 'x';
  const y = options.y ?? 'y';
  if (!data.hasMap) {
    return { ...chart, svg: null, note: `No map: the rows have no numeric "${x}" and "${y}" columns. Put encode → umap (or tsne) stages before the report to add them.` };
  }
  if (data.points.length === 0) return { ...chart, svg: null, note: 'No map: no row has finite coordinates.' };
  const hasColor = data.colorType !== null;
  const spec = scatterSpec(data.points, {
    colorField: hasColor ? options.color : undefined,
    colorType: data.colorType ?? undefined,
    widthPx: CHART_WIDTH_PX,
    heightPx: MAP_HEIGHT_PX,
    xTitle: x,
    yTitle: y,
  });
  const sampled = data.points.length < data.mapRows ? ` A seeded sample of ${data.points.length.toLocaleString('en-US')} of ${data.mapRows.toLocaleString('en-US')} rows.` : '';
  const colored = hasColor ? ` Coloured by ${options.color}.` : options.color ? ` No "${options.color}" column to colour by.` : '';
  return { ...chart, svg: await vegaLiteToSvg(spec), note: `Rows placed by ${x} and ${y}.${colored}${sampled}` };
}

/**
 * The package version. Read here rather than from the CLI's helper so that the report (used by a sink)
 * does not depend on the CLI layer; src/report and dist/report sit two levels below package.json alike.
 */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
