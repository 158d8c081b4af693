import { InvalidArgumentError, Option, type Command } from 'commander';
import { columnKindParam, encodingShape, fitFeaturesParam, kindsParam } from '../io/feature-options.js';
import { FIT_MODEL_ID } from '../api/fit-detector.js';
import { SpecError } from '../errors.js';
import { loadYamlValue, validatePipelineValue } from '../pipeline/spec.js';
import { formatOf, sinkEntry, sourceEntry } from './file-stages.js';
import { DEFAULT_THRESHOLD, ruleText } from '../models/threshold.js';
import { autoencoderOptions, budgetOptions, earlyStoppingOptions, ENSEMBLE_WIDTHS, ensembleOptions, neighborOptions } from '../models/autoencoder/autoencoder-options.js';
import { optionHelp } from '../models/option-schema.js';
import { pcaOptionShape } from '../models/pca-options.js';
import { calibrationSplitParam } from '../stages/shared/params.js';
import { globalOptions, list, nonNegativeInt, number, optionFlag, positiveIntList, thresholdRule, type GlobalOptions } from './options.js';
import { runSpecs } from './run.js';

interface FitOptions extends GlobalOptions {
  input: string;
  model: string;
  type: 'autoencoder' | 'pca';
  format?: string;
  output?: string;
  outputFormat?: string;
  features?: string[];
  kind?: Record<string, string>;
  onUnknown?: string;
  maxOneHot?: number;
  exclude?: string[];
  onMissing?: string;
  scaler?: string;
  threshold?: Record<string, unknown>;
  calibrationSplit?: number;
  config?: string;
  codeSize?: number;
  hidden?: number[];
  epochs?: number;
  maxSteps?: number;
  maxSeconds?: number;
  patience?: number;
  trim?: number;
  neighbors?: number;
  ensembleSize?: number;
  ensembleWidths?: string;
  batchSize?: number;
  learningRate?: number;
  k?: number;
  seed?: number;
  delimiter?: string;
}

/** Options that configure one model family only: with the other `--type` they would do nothing, so they are an error. */
const FAMILY_OF: Partial<Record<keyof FitOptions, FitOptions['type']>> = {
  config: 'autoencoder',
  codeSize: 'autoencoder',
  hidden: 'autoencoder',
  epochs: 'autoencoder',
  maxSteps: 'autoencoder',
  maxSeconds: 'autoencoder',
  patience: 'autoencoder',
  trim: 'autoencoder',
  neighbors: 'autoencoder',
  ensembleSize: 'autoencoder',
  ensembleWidths: 'autoencoder',
  batchSize: 'autoencoder',
  learningRate: 'autoencoder',
  k: 'pca',
};

/** The flags given that belong to the other model family, as the user typed them (`--code-size`). */
export function foreignOptions(o: FitOptions): string[] {
  return (Object.keys(FAMILY_OF) as (keyof FitOptions)[])
    .filter((key) => o[key] !== undefined && FAMILY_OF[key] !== o.type)
    .map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
}

/** Builds the fit pipeline: source -> <type>-fit (saves the model) [-> score -> threshold -> sink]. */
export async function fitSpec(o: FitOptions) {
  const fileModel = o.config ? await configBlock(o.config) : {};
  const common = {
    id: FIT_MODEL_ID,
    ...(o.features ? { features: featuresValue(o.features) } : {}),
    ...(o.kind ? { kinds: o.kind } : {}),
    ...(o.onUnknown !== undefined || o.maxOneHot !== undefined
      ? { encoding: { ...(o.onUnknown !== undefined ? { onUnknown: o.onUnknown } : {}), ...(o.maxOneHot !== undefined ? { maxOneHot: o.maxOneHot } : {}) } }
      : {}),
    ...(o.exclude ? { exclude: o.exclude } : {}),
    ...(o.onMissing ? { onMissing: o.onMissing } : {}),
    ...(o.scaler ? { scaler: o.scaler } : {}),
    ...(o.threshold ? { threshold: o.threshold } : {}),
    ...(o.calibrationSplit !== undefined ? { calibrationSplit: o.calibrationSplit } : {}),
    saveTo: o.model,
  };
  const fit =
    o.type === 'pca'
      ? { type: 'pca-fit', ...common, ...(o.k ? { k: o.k } : {}) }
      : {
          type: 'autoencoder-fit',
          ...common,
          model: {
            ...fileModel,
            ...(o.codeSize ? { codeSize: o.codeSize } : {}),
            ...(o.hidden ? { hiddenUnits: o.hidden } : {}),
            ...(o.epochs ? { epochs: o.epochs } : {}),
            ...(o.maxSteps || o.maxSeconds ? { budget: { ...blockOf(fileModel, 'budget'), ...(o.maxSteps ? { steps: o.maxSteps } : {}), ...(o.maxSeconds ? { seconds: o.maxSeconds } : {}) } } : {}),
            ...(o.patience !== undefined ? { earlyStopping: { ...blockOf(fileModel, 'earlyStopping'), patience: o.patience } } : {}),
            ...(o.trim !== undefined ? { trim: o.trim } : {}),
            ...(o.neighbors !== undefined ? { neighbors: o.neighbors === 0 ? null : { ...blockOf(fileModel, 'neighbors'), k: o.neighbors } } : {}),
            ...(o.ensembleSize !== undefined || o.ensembleWidths !== undefined
              ? { ensemble: { ...blockOf(fileModel, 'ensemble'), ...(o.ensembleSize !== undefined ? { size: o.ensembleSize } : {}), ...(o.ensembleWidths !== undefined ? { widths: o.ensembleWidths } : {}) } }
              : {}),
            ...(o.batchSize ? { batchSize: o.batchSize } : {}),
            ...(o.learningRate ? { learningRate: o.learningRate } : {}),
          },
        };
  const scored = o.output
    ? { stages: [fit, { type: 'score', model: FIT_MODEL_ID }, { type: 'threshold', model: FIT_MODEL_ID }], sink: sinkEntry(o.output, formatOf(o.output, o.outputFormat, '--output-format'), o.delimiter) }
    : { stages: [fit], sink: { type: 'null-sink' } };
  return validatePipelineValue({
    name: 'fit',
    // Unset, the pipeline schema's default seed applies, as in YAML and fitDetector.
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    source: sourceEntry(o.input, formatOf(o.input, o.format), undefined, o.delimiter),
    ...scored,
  });
}

/** `--features auto` / `numeric` are the keywords of `features`; anything else names columns. */
function featuresValue(names: string[]): string[] | string {
  return names.length === 1 && FEATURE_KEYWORDS.includes(names[0]) ? names[0] : names;
}

const FEATURE_KEYWORDS = fitFeaturesParam.unwrap().options.flatMap((o) => ('value' in o ? [String(o.value)] : []));

/** `--kind col=kind`, repeatable: the `kinds` record (each kind is checked by the stage schema, as in YAML). */
function kindFlag(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.lastIndexOf('=');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError(`--kind expects column=kind (${columnKindParam.options.join(', ')}), received "${value}"`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** A nested block of the `--config` file (`budget`, `earlyStopping`), which a flag amends rather than replaces. */
function blockOf(model: Record<string, unknown>, key: string): Record<string, unknown> {
  const block = model[key];
  return block !== null && typeof block === 'object' && !Array.isArray(block) ? (block as Record<string, unknown>) : {};
}

/** The `--config` file: a YAML mapping of autoencoder options (positioned SpecError otherwise). */
async function configBlock(file: string): Promise<Record<string, unknown>> {
  const value = (await loadYamlValue(file)) ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SpecError('--config expects a YAML mapping of autoencoder options (the `model:` block of autoencoder-fit)', { file, line: 1, column: 1, path: '' });
  }
  return value as Record<string, unknown>;
}

/** The autoencoder options the flags below set: their help, default and range come from the model's schema. */
const ae = autoencoderOptions.shape;

export function registerFit(program: Command): void {
  globalOptions(
    program
      .command('fit')
      .description('Fit an autoencoder (or PCA) with scaler and threshold on a file and save the model directory')
      .requiredOption('-i, --input <file>', 'training data (.csv, .arrow, .arrows, .parquet; - for stdin with --format)')
      .requiredOption('-m, --model <dir>', 'model directory to write')
      .addOption(new Option('-t, --type <type>', 'model family').choices(['autoencoder', 'pca']).default('autoencoder'))
      .option('--format <format>', 'input format when the extension does not tell: csv, arrow, arrows, parquet')
      .option('-o, --output <file>', 'also write the training rows with score and is_anomaly (- for stdout)')
      .option('--output-format <format>', 'output format when the extension does not tell (needed for -o -)')
      .option('--features <names>', `feature columns, comma-separated, or numeric (default) / auto: ${fitFeaturesParam.description}`, list)
      .option('--kind <column=kind>', `${kindsParam.description}; repeatable, kind one of ${columnKindParam.options.join(', ')}`, kindFlag)
      .addOption(new Option('--on-unknown <policy>', optionHelp(encodingShape.shape.onUnknown)).choices(encodingShape.shape.onUnknown.unwrap().options))
      .option('--max-one-hot <n>', optionHelp(encodingShape.shape.maxOneHot), optionFlag('--max-one-hot', encodingShape.shape.maxOneHot))
      .option('--exclude <names>', 'numeric columns that are not features (ids, labels), comma-separated', list)
      .addOption(new Option('--on-missing <policy>', 'null/NaN feature values').choices(['error', 'drop', 'impute']))
      .addOption(new Option('--scaler <method>', 'feature scaling').choices(['standard', 'minmax', 'robust', 'none']))
      .option('--threshold <rule>', `contamination=F | percentile=P | fixed=V | mad=K (default ${ruleText(DEFAULT_THRESHOLD)})`, thresholdRule)
      .option('--calibration-split <f>', `${calibrationSplitParam.description} (default ${calibrationSplitParam.parse(undefined)})`, number('--calibration-split'))
      .option('--config <yaml>', 'YAML file with autoencoder options (the `model:` block of autoencoder-fit)')
      .option('--code-size <n>', optionHelp(ae.codeSize), optionFlag('--code-size', ae.codeSize))
      .option('--hidden <widths>', `${optionHelp(ae.hiddenUnits)}; comma-separated, e.g. 64,32`, positiveIntList('--hidden'))
      .option('--epochs <n>', optionHelp(ae.epochs), optionFlag('--epochs', ae.epochs))
      .option('--max-steps <n>', optionHelp(budgetOptions.shape.steps), optionFlag('--max-steps', budgetOptions.shape.steps))
      .option('--max-seconds <s>', optionHelp(budgetOptions.shape.seconds), optionFlag('--max-seconds', budgetOptions.shape.seconds))
      .option('--patience <n>', optionHelp(earlyStoppingOptions.shape.patience), optionFlag('--patience', earlyStoppingOptions.shape.patience))
      .option('--trim <f>', optionHelp(ae.trim), optionFlag('--trim', ae.trim))
      .option('--neighbors <k>', `latent density, blended into the score: ${optionHelp(neighborOptions.shape.k)}; 0 = off`, nonNegativeInt('--neighbors'))
      .option('--ensemble-size <n>', `ensemble of n networks: ${optionHelp(ensembleOptions.shape.size)} (default one network)`, optionFlag('--ensemble-size', ensembleOptions.shape.size))
      .addOption(new Option('--ensemble-widths <widths>', `with --ensemble-size: ${optionHelp(ensembleOptions.shape.widths)}`).choices(ENSEMBLE_WIDTHS))
      .option('--batch-size <n>', optionHelp(ae.batchSize), optionFlag('--batch-size', ae.batchSize))
      .option('--learning-rate <x>', optionHelp(ae.learningRate), optionFlag('--learning-rate', ae.learningRate))
      .option('--k <n>', `PCA: ${optionHelp(pcaOptionShape.k)}`, optionFlag('--k', pcaOptionShape.k))
      .option('--seed <n>', 'random seed', nonNegativeInt('--seed'))
      .option('--delimiter <char>', 'CSV field delimiter (default , or a tab for .tsv)'),
  ).action(async (options: FitOptions, command: Command) => {
    const foreign = foreignOptions(options);
    if (foreign.length > 0) {
      const other = options.type === 'pca' ? 'autoencoder' : 'pca';
      command.error(`error: ${foreign.join(', ')} ${foreign.length === 1 ? 'applies' : 'apply'} to --type ${other}, not ${options.type}; drop ${foreign.length === 1 ? 'it' : 'them'} or change --type`);
    }
    await runSpecs([await fitSpec(options)], options);
  });
}
