import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { ConnectorError } from '../errors.js';
import { writeAtomically } from '../io/atomic-file.js';
import { resolveFilePath } from '../io/output-target.js';
import { defineStage, type Sink, type SinkSummary, type StageContext } from '../contract/stage.js';
import { binSeries, type BinnedSeries } from '../plots/bins.js';
import { plotFormatOf, renderVegaLite, type TopLevelSpec } from '../plots/render.js';
import { checkWritable, fileSink, type Lifecycle } from './closable.js';
import { columnGroupParam, groupLabel, resolveGroup } from './column-groups.js';

// Re-exported: binning moved to src/plots/bins.ts, shared with the score histogram of plot-sink.
export { binSeries, type BinnedSeries };

const TYPE = 'histogram-sink';

const params = z.strictObject({
  path: z.string().min(1).describe('Chart file to write (atomically): .png, or .svg for vector output'),
  series: z
    .array(columnGroupParam)
    .min(1)
    .describe('One histogram per column group, all of its values pooled (e.g. {prefix: plain_z, label: plain} for the code columns plain_z0..)'),
  bins: z.number().int().min(1).max(1000).default(40).describe('Number of equal-width bins'),
  range: z.tuple([z.number(), z.number()]).optional().describe('Binned value range [min, max] (default: min and max over every series); values outside are counted in the edge bins'),
  layout: z.enum(['rows', 'overlay']).default('rows').describe('rows: one panel per series with its own count axis; overlay: translucent bars in one panel'),
  title: z.string().optional().describe('Chart title'),
  xTitle: z.string().default('value').describe('Title of the value axis'),
  widthPx: z.number().int().positive().default(480).describe('Panel width (pixels before the PNG scale)'),
  heightPx: z.number().int().positive().default(160).describe('Panel height (pixels before the PNG scale)'),
  maxValues: z.number().int().positive().default(10_000_000).describe('Most values held per series (values); more is an error suggesting a slice'),
});

/**
 * Histograms of the values of column groups, e.g. the code columns of a plain and a sparse autoencoder:
 * values are held (bounded by `maxValues`), binned into `bins` equal-width bins shared by every series, drawn
 * with Vega-Lite and written as PNG (resvg) or SVG, atomically.
 */
export const histogramSink = defineStage({
  type: TYPE,
  kind: 'sink',
  description: 'Writes a histogram chart (PNG or SVG) of the values of one or more column groups',
  params,
  create(p, ctx): Sink {
    return fileSink(TYPE, p.path, ctx, (input, life) => writeHistogram(p, ctx, input, life));
  },
});

/** The Vega-Lite spec of binned series. */
export function histogramSpec(binned: BinnedSeries[], options: { layout: 'rows' | 'overlay'; title?: string; xTitle: string; widthPx: number; heightPx: number }): TopLevelSpec {
  const values = binned.flatMap((s) => s.counts.map((count, i) => ({ series: s.label, start: s.edges[i], end: s.edges[i + 1], count })));
  const labels = binned.map((s) => s.label);
  const encoding = {
    x: { field: 'start', type: 'quantitative', bin: 'binned', title: options.xTitle },
    x2: { field: 'end' },
    y: { field: 'count', type: 'quantitative', stack: null, title: 'count' },
    color: { field: 'series', type: 'nominal', sort: labels, title: null },
  } as const;
  const mark = { type: 'bar', opacity: options.layout === 'overlay' ? 0.55 : 0.9, binSpacing: 0 } as const;
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...(options.title ? { title: options.title } : {}), data: { values } };
  if (options.layout === 'overlay') return { ...base, width: options.widthPx, height: options.heightPx, mark, encoding } as TopLevelSpec;
  return {
    ...base,
    facet: { row: { field: 'series', type: 'nominal', sort: labels, title: null } },
    spec: { width: options.widthPx, height: options.heightPx, mark, encoding },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

async function writeHistogram(p: z.output<typeof params>, ctx: StageContext, input: AsyncIterable<RecordBatch>, life: Lifecycle): Promise<SinkSummary> {
  const target = resolveFilePath(ctx.baseDir, p.path);
  const held = p.series.map(() => ({ values: new Float64Array(1024), length: 0 }));
  let columns: string[][] | undefined;
  let rows = 0;
  let batches = 0;
  for await (const batch of input) {
    checkWritable(ctx.signal, life.isClosed, TYPE, target);
    batches++;
    rows += batch.numRows;
    if (batch.numRows === 0) continue;
    columns ??= p.series.map((group) => resolveGroup(batch.schema, group, TYPE));
    columns.forEach((names, s) => {
      const h = held[s];
      const needed = h.length + names.length * batch.numRows;
      if (needed > p.maxValues) {
        throw new ConnectorError(`series "${groupLabel(p.series[s])}" exceeds maxValues=${p.maxValues}; raise maxValues or slice the rows`, { connector: TYPE, path: target });
      }
      if (needed > h.values.length) {
        const grown = new Float64Array(Math.max(needed, 2 * h.values.length));
        grown.set(h.values.subarray(0, h.length));
        h.values = grown;
      }
      for (const name of names) {
        const column = batch.getChild(name)!;
        for (let r = 0; r < batch.numRows; r++) {
          const v = column.get(r) as number | bigint | null;
          if (v !== null) h.values[h.length++] = Number(v);
        }
      }
    });
  }
  const binned = binSeries(
    p.series.map((group, s) => ({ label: groupLabel(group), values: held[s].values.subarray(0, held[s].length) })),
    p.bins,
    p.range,
  );
  const chart = await renderVegaLite(histogramSpec(binned, p), plotFormatOf(target));
  await writeAtomically(target, TYPE, (file) => file.write(chart), life.closers);
  ctx.logger.info({ file: target, series: binned.map((b) => b.label) }, `${TYPE}: wrote ${target}`);
  return { rows, batches, target };
}
