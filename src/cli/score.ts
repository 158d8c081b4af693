import { Option, type Command } from 'commander';
import { isConformalRule } from '../models/conformal.js';
import { validatePipelineValue } from '../pipeline/spec.js';
import { formatOf, sinkEntry, sourceEntry } from './file-stages.js';
import { globalOptions, positiveInt, scoreThresholdRule, type GlobalOptions } from './options.js';
import { runSpecs } from './run.js';

interface ScoreOptions extends GlobalOptions {
  input: string;
  model: string;
  output: string;
  format?: string;
  outputFormat?: string;
  code?: boolean;
  featureErrors?: boolean;
  flag: boolean;
  threshold?: Record<string, unknown>;
  onMissing?: string;
  batchRows?: number;
  delimiter?: string;
}

/** source -> score [-> threshold] [-> encode] -> sink, all from one saved model. */
export function scoreSpec(o: ScoreOptions, mode: 'score' | 'encode') {
  const onMissing = o.onMissing ? { onMissing: o.onMissing } : {};
  const stages: Record<string, unknown>[] = [];
  if (mode === 'score') {
    stages.push({ type: 'score', model: o.model, featureErrors: Boolean(o.featureErrors), ...onMissing });
    // --threshold replaces the model's saved threshold: fixed=V as given, fpr/fdr on p-values against the
    // model's calibration scores, the other rules fitted on these scores.
    const isConformal = o.threshold !== undefined && isConformalRule(o.threshold as { method: string });
    if (o.flag) stages.push(o.threshold ? { type: 'threshold', rule: o.threshold, ...(isConformal ? { model: o.model } : {}) } : { type: 'threshold', model: o.model });
  }
  if (mode === 'encode' || o.code) stages.push({ type: 'encode', model: o.model, ...onMissing });
  return validatePipelineValue({
    name: mode,
    source: sourceEntry(o.input, formatOf(o.input, o.format), o.batchRows, o.delimiter),
    stages,
    sink: sinkEntry(o.output, formatOf(o.output, o.outputFormat, '--output-format'), o.delimiter),
  });
}

function common(command: Command): Command {
  return globalOptions(
    command
      .requiredOption('-i, --input <file>', 'data to process (.csv, .arrow, .arrows, .parquet; - for stdin with --format)')
      .requiredOption('-m, --model <dir>', 'model directory written by `latentflow fit`')
      .requiredOption('-o, --output <file>', 'where to write the rows (format from the extension; - for stdout with --output-format)')
      .option('--format <format>', 'input format when the extension does not tell')
      .option('--output-format <format>', 'output format when the extension does not tell')
      .addOption(new Option('--on-missing <policy>', 'override the model\'s missing-value policy').choices(['error', 'drop', 'impute']))
      .option('--batch-rows <n>', 'rows per record batch', positiveInt('--batch-rows'))
      .option('--delimiter <char>', 'CSV field delimiter for input and output (default , or a tab for .tsv)'),
  );
}

export function registerScore(program: Command): void {
  common(
    program
      .command('score')
      .description('Add score (reconstruction error) and is_anomaly to every row, keeping all other columns')
      .option('--code', 'also write the latent code columns z0..z{k-1}')
      .option('--feature-errors', 'also write per-feature squared errors err_<feature>')
      .option('--no-flag', 'do not add is_anomaly')
      .option(
        '--threshold <rule>',
        "flag against this rule instead of the model's threshold: fixed=V; fpr=A (p_value <= A) | fdr=Q (Benjamini-Hochberg per batch), adding p_value, for a model fitted with --calibration-split; or contamination=F | percentile=P | mad=K fitted on the scores of these rows (holds them all first)",
        scoreThresholdRule,
      ),
  ).action(async (options: ScoreOptions, command: Command) => {
    if (options.threshold && !options.flag) command.error('error: --threshold sets the cut-off of is_anomaly, which --no-flag leaves out; drop one of them');
    await runSpecs([scoreSpec(options, 'score')], options);
  });
  common(program.command('encode').description('Add the latent code z0..z{k-1} to every row, keeping all other columns')).action(
    async (options: ScoreOptions) => {
      await runSpecs([scoreSpec({ ...options, flag: false }, 'encode')], options);
    },
  );
}
