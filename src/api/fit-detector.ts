import type { z } from 'zod';
import { locatedBatches } from '../connectors/table-source.js';
import { AckService } from '../contract/acks.js';
import { ModelSlots } from '../contract/model-slots.js';
import { stageContext } from '../pipeline/runner.js';
import { validatePipelineValue } from '../pipeline/spec.js';
import { selectBackend, type BackendPreference } from '../runtime/backend.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { noProgress, type Progress } from '../runtime/progress.js';
import { autoencoderFitParams, autoencoderTrainer } from '../stages/autoencoder-fit.js';
import { pcaFitParams, pcaTrainer } from '../stages/pca-fit.js';
import { fitOnBatches, type BatchTrainer, type ModelTrainer } from '../stages/shared/fit-detector.js';
import { tooManyRows } from '../stages/shared/params.js';
import { AnomalyDetector } from './anomaly-detector.js';
import { inputBatches, type DetectorInput } from './detector-input.js';

/**
 * The id of the fit stage here and in `latentflow fit` (which imports it): model seeds derive from the
 * pipeline seed and this id, so both fit the same model from the same data and seed.
 */
export const FIT_MODEL_ID = 'model';

/** How the call runs (not what it fits): the pipeline seed (default 42, as the CLI), logs, bars, cancel, backend. */
export interface FitRunOptions {
  seed?: number;
  logger?: Logger;
  progress?: Progress;
  signal?: AbortSignal;
  backend?: BackendPreference;
}

/** Options of an autoencoder detector: the params of the `autoencoder-fit` stage, with its defaults. */
export type AutoencoderDetectorOptions = { type?: 'autoencoder' } & z.input<typeof autoencoderFitParams> & FitRunOptions;
/** Options of a PCA detector: the params of the `pca-fit` stage, with its defaults. */
export type PcaDetectorOptions = { type: 'pca' } & z.input<typeof pcaFitParams> & FitRunOptions;
export type FitDetectorOptions = AutoencoderDetectorOptions | PcaDetectorOptions;

/**
 * Fits scaler, model and threshold on `data` in one call and returns a detector to score, predict, save
 * and load. Every option and default is the fit stage's (so the CLI's: autoencoder, robust scaler,
 * contamination 0.01, seed 42); invalid options are SpecErrors naming the option, as in an inline pipeline.
 */
export async function fitDetector(data: DetectorInput, options: FitDetectorOptions = {}): Promise<AnomalyDetector> {
  const { type = 'autoencoder', seed, logger, progress, signal, backend, ...fitOptions } = options;
  const batches = inputBatches(data);
  // Validated as the fit stage of an inline pipeline: the same schema, defaults and errors as YAML.
  const spec = validatePipelineValue({
    name: 'fit-detector',
    ...(seed !== undefined ? { seed } : {}),
    ...(backend !== undefined ? { backend } : {}),
    source: { type: 'table-source', table: batches },
    stages: [{ type: `${type}-fit`, id: FIT_MODEL_ID, ...fitOptions }],
    sink: { type: 'null-sink' },
  });
  await selectBackend(spec.backend);
  const stage = spec.stages[0];
  const ctx = stageContext(spec, stage, {
    signal: signal ?? new AbortController().signal,
    logger: logger ?? silentLogger(),
    progress: progress ?? noProgress,
    models: new ModelSlots(),
    acks: new AckService(),
  });
  const trainer: ModelTrainer | BatchTrainer =
    type === 'pca' ? pcaTrainer(stage.params as z.output<typeof pcaFitParams>) : autoencoderTrainer(stage.params as z.output<typeof autoencoderFitParams>, ctx);
  const params = stage.params as z.output<typeof autoencoderFitParams> | z.output<typeof pcaFitParams>;
  const located = locatedBatches(batches);
  let rows = 0;
  for (const batch of located) {
    rows += batch.numRows;
    if (rows > params.maxRows) throw tooManyRows('training data', params.maxRows, rows);
  }
  const detector = await fitOnBatches(type, params, ctx, located, trainer);
  return new AnomalyDetector(detector);
}
