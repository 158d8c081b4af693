import { driftReference } from '../../models/drift.js';
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { saveDetector } from '../../artifact/model-dir.js';
import { checkFittedDetector } from '../../artifact/validate-model.js';
import { DataError, ModelStateError, type DataLocation } from '../../errors.js';
import { tooManyRows } from './params.js';
import { META } from '../../io/batch-meta.js';
import type { MissingPolicy } from '../../io/features.js';
import { Detector, leadingColumns, scaleLeading, type DetectorKind, type ReconstructionModel, type TrainingSummary } from '../../models/detector.js';
import type { FeatureBlock, FeatureEncoding } from '../../models/feature-encoding.js';
import { concatRows, type Matrix } from '../../models/matrix.js';
import { deriveSeed } from '../../models/random.js';
import { quantileSorted, sortedCopy } from '../../models/order-statistics.js';
import { constantColumns, Scaler, type ScalerMethod } from '../../models/scaler.js';
import { fitThreshold, type ThresholdRule } from '../../models/threshold.js';
import type { StageContext, Transform } from '../../contract/stage.js';
import { currentBackend } from '../../runtime/backend.js';
import { calibrationState, splitCalibration } from './calibration-split.js';
import { readFeatures, selectFeatures, trainingImputeValues, type FeatureParams } from './feature-input.js';

/** Params every fit stage shares. */
export interface FitParams extends FeatureParams {
  onMissing: MissingPolicy;
  scaler: ScalerMethod;
  /** Always set: the fit stages default it (DEFAULT_THRESHOLD), so every fitted model can flag. */
  threshold: ThresholdRule;
  /** Share of the valid rows held out for calibration scores, in [0, 0.5]; 0 = none. */
  calibrationSplit: number;
  saveTo?: string;
  maxRows: number;
}

/** What a model-specific fit returns besides the model. */
export interface FittedModel {
  model: ReconstructionModel;
  history?: TrainingSummary['history'];
  explainedVariance?: number[];
}

/**
 * The model-specific part of a fit: trains a model on the scaled training rows; `blocks` describe a
 * mixed-type matrix (one loss per column block), null when every column is numeric.
 */
export type ModelTrainer = (x: Matrix, blocks: FeatureBlock[] | null) => Promise<FittedModel>;

/**
 * A model-specific fit that takes the scaled training rows batch by batch (PCA's covariance), so
 * `fitOnBatches` needs neither all rows in one matrix nor a scaled copy of them: `scaled()` scales the
 * held batches one at a time, in order, each time it is iterated. `rows` and `cols` are the totals.
 */
export interface BatchTrainer {
  fitBatches(scaled: () => Iterable<Matrix>, rows: number, cols: number): Promise<FittedModel>;
}

/**
 * The shared body of `autoencoder-fit` and `pca-fit`: hold the training batches (bounded by `maxRows`),
 * select and clean features, fit the scaler, the model and the threshold, save the artifact, publish the
 * detector under the stage id, then pass the batches on unchanged and in order.
 */
export function fitDetectorStage(
  kind: DetectorKind,
  params: FitParams,
  ctx: StageContext,
  fitModel: ModelTrainer | BatchTrainer,
): Transform {
  ctx.models.declare(ctx.stageId);
  let detector: Detector | undefined;
  let stats: Record<string, unknown> = {};
  return {
    kind: 'transform',
    async *transform(input) {
      const batches: RecordBatch[] = [];
      let rows = 0;
      try {
        for await (const batch of input) {
          batches.push(batch);
          rows += batch.numRows;
          if (rows > params.maxRows) throw tooManyRows('training data', params.maxRows, rows);
        }
        detector = await fitOnBatches(kind, params, ctx, batches, fitModel);
        stats = {
          rows: detector.training.rows,
          invalidRows: detector.training.invalidRows,
          ...(detector.training.calibrationRows !== undefined ? { calibrationRows: detector.training.calibrationRows } : {}),
          fitMs: detector.training.fitMs,
          threshold: detector.threshold?.threshold,
          epochs: detector.training.history?.loss.length,
          converged: detector.training.history?.converged,
          savedTo: params.saveTo ? path.resolve(ctx.baseDir, params.saveTo) : undefined,
        };
        ctx.models.publish(ctx.stageId, detector);
      } catch (error) {
        ctx.models.fail(ctx.stageId, error);
        throw error;
      }
      for (const batch of batches) yield batch;
    },
    async close() {
      detector?.dispose();
      detector = undefined;
    },
    stats: () => stats,
  };
}

/**
 * Fits scaler, model and threshold on `batches` (at least one, as a source yields) and saves the artifact
 * when `saveTo` says: the fit of the fit stages and of the library's `fitDetector`.
 */
export async function fitOnBatches(
  kind: DetectorKind,
  params: FitParams,
  ctx: StageContext,
  batches: RecordBatch[],
  fitModel: ModelTrainer | BatchTrainer,
): Promise<Detector> {
  // No rows is no model: an error (exit 1), never a run that succeeds without writing the model.
  if (batches.every((b) => b.numRows === 0)) throw emptyInput(batches, params.saveTo);
  const selection = selectFeatures(batches, params, ctx.logger);
  const { features, encoding } = selection;
  // Columns of the model's matrix (encoded slots), and the leading ones the scaler covers.
  const width = encoding?.width ?? features.length;
  const scaledWidth = encoding?.numericWidth ?? width;
  const trainingMeans = params.onMissing === 'impute' ? trainingImputeValues(batches, selection) : null;
  let invalidRows = 0;
  const valid = batches.map((batch, i) => {
    const ex = readFeatures(batch, i, selection, params.onMissing, trainingMeans ?? undefined);
    invalidRows += ex.invalidRows;
    return ex.matrix;
  });
  // Calibration rows leave before anything is fitted, the scaler included (see calibration-split.ts). The
  // impute means above still cover them: a model is told nothing else about them, and only rows with
  // missing values are affected.
  const { train: parts, calibration } = splitCalibration(valid, width, params.calibrationSplit, deriveSeed(ctx.seed, `${ctx.stageId}:calibration`));
  const rows = parts.reduce((n, part) => n + part.rows, 0);
  if (invalidRows > 0) ctx.logger.warn({ invalidRows, policy: params.onMissing }, `${invalidRows} training rows had missing values (${params.onMissing})`);
  if (rows < 2) {
    throw new DataError(`need at least 2 valid training rows to fit ${kind}; add rows${invalidRows > 0 ? ' or use onMissing: impute' : ''}`, {
      ...fileOf(batches),
      expected: '>= 2 rows',
      received: `${rows} rows`,
    }, { code: 'E_TOO_FEW_ROWS' });
  }
  // The training means are saved whatever the policy, so `score --on-missing impute` works on any model.
  // After extraction every kept row is finite, so each column has finite values to average.
  const imputeValues = trainingMeans ?? trainingImputeValues(batches, selection);
  checkSpread(parts, rows, features, encoding, batches, ctx);
  // A structured log line stays one readable line: 784 pixel names would not (`latentflow info` lists them).
  const shownFeatures = features.length <= 32 ? features : [...features.slice(0, 16), `… ${features.length - 16} more`];
  ctx.logger.info({ rows, features: shownFeatures }, `fitting ${kind} on ${rows} rows x ${features.length} features`);

  const scaler = new Scaler(params.scaler);
  // With an encoding the scaler sees only the numeric slots; 0/1 slots stay the targets of their cross-entropy.
  const lead = (m: Matrix) => (scaledWidth === width ? m : leadingColumns(m, scaledWidth));
  const prepare = (m: Matrix) => (encoding === null ? scaler.transform(m) : scaleLeading(scaler, m, scaledWidth));
  const blocks = encoding?.blocks ?? null;
  let fitted: FittedModel;
  let trainScores: Float32Array;
  let fitMs: number;
  if (typeof fitModel !== 'function' && params.scaler !== 'robust') {
    // Batch by batch: no stacked copy of the rows and no scaled copy, one scaled batch at a time. The
    // threshold needs every training row's score, which only the finished model gives: a second pass
    // over the held batches. Scaler.partialFit over the batches equals fit on all rows exactly.
    for (const part of parts) scaler.partialFit(lead(part));
    const scaledParts = function* () {
      for (const part of parts) yield prepare(part);
    };
    const started = performance.now();
    fitted = await fitModel.fitBatches(scaledParts, rows, width);
    fitMs = Math.round(performance.now() - started);
    trainScores = new Float32Array(rows);
    let at = 0;
    for (const part of scaledParts()) {
      trainScores.set(fitted.model.score(part), at);
      at += part.rows;
    }
  } else {
    // Robust scaling needs every row at once (medians), and so does a trainer that takes one matrix.
    const x = concatRows(parts, width);
    scaler.fit(lead(x));
    const scaled = prepare(x);
    const started = performance.now();
    fitted = typeof fitModel === 'function' ? await fitModel(scaled, blocks) : await fitModel.fitBatches(() => [scaled], rows, width);
    fitMs = Math.round(performance.now() - started);
    trainScores = fitted.model.score(scaled);
  }
  const sorted = sortedCopy(trainScores);
  // A model whose own training rows score NaN or Infinity cannot score anything: refuse it before the
  // threshold (which would report the same thing less clearly) and before anything is saved.
  const firstBad = Array.prototype.findIndex.call(trainScores, (v: number) => !Number.isFinite(v));
  if (firstBad >= 0) {
    fitted.model.dispose?.();
    throw new ModelStateError(
      `${kind}: training row ${firstBad} scores ${trainScores[firstBad]}, so the model cannot score; the fit diverged or the data is degenerate: lower the learning rate, try another scaler, or check the feature values`,
    );
  }
  const threshold = fitThreshold(trainScores, params.threshold);
  let calibrationScores = null;
  const heldOutScores = calibration ? fitted.model.score(prepare(calibration)) : null;
  if (heldOutScores) {
    try {
      calibrationScores = calibrationState(heldOutScores, params.calibrationSplit, kind);
    } catch (error) {
      fitted.model.dispose?.();
      throw error;
    }
  }
  const training: TrainingSummary = {
    rows,
    ...(calibration ? { calibrationRows: calibration.rows } : {}),
    invalidRows,
    fitMs,
    backend: currentBackend()?.name ?? 'none',
    seed: ctx.seed,
    createdAt: new Date().toISOString(),
    history: fitted.history,
    explainedVariance: fitted.explainedVariance,
    scoreQuantiles: Object.fromEntries([0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1].map((q) => [`q${q}`, quantileSorted(sorted, q)])),
  };
  // Drift references are per numeric column; an encoded model has none yet (the drift stage refuses it).
  const reference = encoding === null ? driftReference(parts, heldOutScores ?? trainScores) : null;
  const detector = new Detector(kind, features, scaler, fitted.model, { policy: params.onMissing, imputeValues }, training, threshold, calibrationScores, reference, encoding);
  try {
    checkFittedDetector(detector);
  } catch (error) {
    detector.dispose();
    throw error;
  }
  ctx.logger.info({ fitMs, threshold: threshold.threshold }, `${kind} fitted in ${fitMs} ms`);
  if (params.saveTo) {
    const dir = path.resolve(ctx.baseDir, params.saveTo);
    await saveDetector(dir, detector);
    ctx.logger.info({ dir }, 'model saved');
  }
  return detector;
}

/** The source file of the training batches, when the source said (every file source does). */
function fileOf(batches: readonly RecordBatch[]): Pick<DataLocation, 'file'> {
  const file = batches[0]?.schema.metadata.get(META.file);
  return file !== undefined ? { file } : {};
}

/** The error for a fit that received no rows: names the input file and says that no model was written. */
function emptyInput(batches: readonly RecordBatch[], saveTo: string | undefined): DataError {
  const what = batches.length === 0 ? 'the input is empty (no header, no rows)' : 'the input has a header but no rows';
  const unsaved = saveTo !== undefined ? `; no model was written to ${saveTo}` : '';
  return new DataError(`${what}: a model needs training rows${unsaved}`, { ...fileOf(batches), expected: '>= 2 rows', received: '0 rows' }, { code: 'E_EMPTY_INPUT' });
}

/**
 * Constant features carry nothing to learn; the scaler gives them scale 1 (so scores stay finite) and the
 * fit warns naming them. When every feature is constant every row would score the same, and any new value
 * would look infinitely anomalous: that is a DataError, not a model.
 */
function checkSpread(parts: readonly Matrix[], rows: number, features: readonly string[], encoding: FeatureEncoding | null, batches: readonly RecordBatch[], ctx: StageContext): void {
  const slots = constantColumns(parts);
  const constantSlots = new Set(slots);
  // An encoded column is constant when all of its slots are (a one-hot block always has never-used slots).
  const constant =
    encoding === null
      ? slots.map((j) => features[j])
      : encoding.blocks.filter((b) => Array.from({ length: b.width }, (_, i) => b.start + i).every((j) => constantSlots.has(j))).map((b) => b.column);
  if (constant.length === 0) return;
  if (constant.length === features.length) {
    throw new DataError(
      `every feature is constant over the ${rows} training rows, so there is nothing to learn; fit on data that varies, or choose other features`,
      { ...fileOf(batches), column: features.length === 1 ? features[0] : undefined, expected: 'at least one feature with two distinct values', received: 'constant columns only' },
      { code: 'E_CONSTANT_DATA' },
    );
  }
  ctx.logger.warn({ columns: constant }, `constant feature columns carry no information (kept with scale 1): ${constant.map((c) => JSON.stringify(c)).join(', ')}; consider excluding them (exclude, --exclude)`);
}
