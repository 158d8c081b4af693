import path from 'node:path';
import type { Command } from 'commander';
import { plotSink } from '../connectors/plot-sink.js';
import { validatePipelineValue } from '../pipeline/spec.js';
import { formatOf, sourceEntry } from './file-stages.js';
import { globalOptions, list, number, positiveInt, schemaDefaults, type GlobalOptions } from './options.js';
import { runSpecs } from './run.js';

interface PlotOptions extends GlobalOptions {
  input: string;
  chart: string[];
  out: string;
  model?: string;
  x?: string;
  y?: string;
  color?: string;
  score?: string;
  threshold?: number;
  /** --linear: a linear count axis on the score histogram instead of the default rule. */
  linear?: boolean;
  maxPoints?: number;
  sample?: boolean;
  title?: string;
  format?: string;
  batchRows?: number;
  delimiter?: string;
}

/**
 * source -> plot-sink drawing every chart asked for from one read of a scored file. The sink's schema checks
 * the chart names and which options they take, so a misplaced option fails as it does in YAML. An output
 * without a .png/.svg ending is a folder: each chart goes to `<folder>/<chart>.png`.
 */
export function plotSpec(o: PlotOptions) {
  const isFile = /\.(png|svg)$/i.test(o.out);
  return validatePipelineValue({
    name: 'plot',
    source: sourceEntry(o.input, formatOf(o.input, o.format), o.batchRows, o.delimiter),
    sink: {
      type: 'plot-sink',
      chart: o.chart.length === 1 ? o.chart[0] : o.chart,
      path: isFile ? o.out : path.join(o.out, '{chart}.png'),
      ...(o.model !== undefined ? { model: o.model } : {}),
      ...(o.x !== undefined ? { x: o.x } : {}),
      ...(o.y !== undefined ? { y: o.y } : {}),
      ...(o.color !== undefined ? { color: o.color } : {}),
      ...(o.score !== undefined ? { score: o.score } : {}),
      ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
      ...(o.linear ? { logY: false } : {}),
      ...(o.maxPoints !== undefined ? { maxPoints: o.maxPoints } : {}),
      ...(o.sample ? { sample: true } : {}),
      ...(o.title !== undefined ? { title: o.title } : {}),
    },
  });
}

export function registerPlot(program: Command): void {
  const sinkDefault = schemaDefaults(plotSink.params);
  globalOptions(
    program
      .command('plot')
      .description('Draw the standard charts of a scored file in one run: the 2-D map, the score histogram, the loss curves (PNG or SVG)')
      .requiredOption('-i, --input <file>', 'scored rows to plot (.csv, .arrow, .arrows, .parquet), e.g. from `latentflow score` or encode -> umap')
      .requiredOption('--chart <list>', 'charts, comma-separated: scatter, score-histogram, loss-curves', list)
      .requiredOption('-o, --out <path>', 'chart file (.png or .svg; with several charts it must contain {chart}), or a folder for <chart>.png files')
      .option('-m, --model <dir>', "model directory: the histogram's threshold and the loss curves' history")
      .option('--x <column>', `scatter x column (${sinkDefault('x')})`)
      .option('--y <column>', `scatter y column (${sinkDefault('y')})`)
      .option('--color <column>', 'column colouring the scatter (is_anomaly, label, score)')
      .option('--score <column>', `score column of the histogram (${sinkDefault('score')})`)
      .option('--threshold <value>', 'threshold drawn on the histogram (default the model\'s)', number('--threshold'))
      .option('--linear', 'linear count axis on the histogram (default: log when the tail would not show)')
      .option('--max-points <n>', `most scatter points (${sinkDefault('maxPoints')})`, positiveInt('--max-points'))
      .option('--sample', 'with more rows than --max-points, draw a seeded sample instead of failing')
      .option('--title <text>', 'chart title')
      .option('--format <format>', 'input format when the extension does not tell')
      .option('--batch-rows <n>', 'rows per record batch', positiveInt('--batch-rows'))
      .option('--delimiter <char>', 'CSV field delimiter (default , or a tab for .tsv)'),
  ).action(async (options: PlotOptions) => {
    await runSpecs([plotSpec(options)], options);
  });
}
