import type { RecordBatch } from 'apache-arrow';
import type { Command } from 'commander';
import { readScorableManifest } from '../artifact/model-dir.js';
import { AckService } from '../contract/acks.js';
import { ModelSlots } from '../contract/model-slots.js';
import { stageContext } from '../pipeline/runner.js';
import { validatePipelineValue } from '../pipeline/spec.js';
import type { Source } from '../contract/stage.js';
import { silentLogger } from '../runtime/logger.js';
import { noProgress } from '../runtime/progress.js';
import { formatOf, sourceEntry } from './file-stages.js';
import { globalOptions, list, positiveInt, type GlobalOptions } from './options.js';
import { runSpecs } from './run.js';

interface ReportOptions extends GlobalOptions {
  input: string;
  model: string;
  out: string;
  /** true: --map, false: --no-map, undefined: map when the input has no x/y columns. */
  map?: boolean;
  color?: string;
  top?: number;
  id?: string;
  columns?: string[];
  title?: string;
  maxPoints?: number;
  /** --linear: a linear count axis on the score histogram instead of the default rule. */
  linear?: boolean;
  format?: string;
  batchRows?: number;
  delimiter?: string;
}

/**
 * source -> score [-> threshold] [-> encode -> umap] -> report-sink, from one saved model. The threshold
 * stage runs when the model has a saved threshold; the map stages when asked (`--map`), or by default when
 * the input has no x/y columns of its own.
 */
export async function reportSpec(o: ReportOptions) {
  const source = sourceEntry(o.input, formatOf(o.input, o.format), o.batchRows, o.delimiter);
  const manifest = await readScorableManifest(o.model);
  const isMapped = o.map ?? !(await hasColumns(source, ['x', 'y']));
  const stages: Record<string, unknown>[] = [{ type: 'score', model: o.model }];
  if (manifest.threshold) stages.push({ type: 'threshold', model: o.model });
  if (isMapped) stages.push({ type: 'encode', model: o.model, prefix: 'z' }, { type: 'umap', prefix: 'z' });
  return validatePipelineValue({
    name: 'report',
    source,
    stages,
    sink: {
      type: 'report-sink',
      path: o.out,
      model: o.model,
      ...(o.top !== undefined ? { topAnomalies: o.top } : {}),
      ...(o.id !== undefined ? { idColumn: o.id } : {}),
      ...(o.color !== undefined ? { color: o.color } : {}),
      ...(o.columns !== undefined ? { columns: o.columns } : {}),
      ...(o.title !== undefined ? { title: o.title } : {}),
      ...(o.maxPoints !== undefined ? { maxPoints: o.maxPoints } : {}),
      ...(o.linear ? { logY: false } : {}),
    },
  });
}

/** Whether the first batch of `source` has every column in `names` (reads one batch, then closes the source). */
async function hasColumns(source: Record<string, unknown>, names: readonly string[]): Promise<boolean> {
  const spec = validatePipelineValue({ name: 'peek', source, sink: { type: 'null-sink' } });
  const ctx = stageContext(spec, spec.source, { signal: new AbortController().signal, logger: silentLogger(), progress: noProgress, models: new ModelSlots(), acks: new AckService() });
  const stage = spec.source.definition.create(spec.source.params, ctx) as Source;
  try {
    let first: RecordBatch | undefined;
    for await (const batch of stage.batches()) {
      first = batch;
      break;
    }
    return first !== undefined && names.every((n) => first!.schema.fields.some((f) => f.name === n));
  } finally {
    await stage.close();
  }
}

export function registerReport(program: Command): void {
  globalOptions(
    program
      .command('report')
      .description('Write a self-contained HTML report: model summary, loss curves, score histogram, top anomalies, 2-D map')
      .requiredOption('-i, --input <file>', 'data to score and report on (.csv, .arrow, .arrows, .parquet)')
      .requiredOption('-m, --model <dir>', 'model directory written by `latentflow fit`')
      .requiredOption('-o, --out <file>', 'HTML file to write')
      .option('--map', 'add a 2-D UMAP map of the codes (default: when the input has no x/y columns)')
      .option('--no-map', 'no map, even without x/y columns')
      .option('--color <column>', 'column colouring the map (default is_anomaly)')
      .option('--top <n>', 'rows in the top-anomalies table (default 20)', positiveInt('--top'))
      .option('--id <column>', 'column identifying a row in the table (default id when present)')
      .option('--columns <list>', 'further columns shown in the table, comma-separated (e.g. timestamp,label)', list)
      .option('--title <text>', 'page title')
      .option('--max-points <n>', 'most map points drawn (default 5000)', positiveInt('--max-points'))
      .option('--linear', 'linear count axis on the score histogram (default: log when the tail would not show)')
      .option('--format <format>', 'input format when the extension does not tell')
      .option('--batch-rows <n>', 'rows per record batch', positiveInt('--batch-rows'))
      .option('--delimiter <char>', 'CSV field delimiter (default , or a tab for .tsv)'),
  ).action(async (options: ReportOptions) => {
    await runSpecs([await reportSpec(options)], options);
  });
}
